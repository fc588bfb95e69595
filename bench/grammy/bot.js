// A plain grammY webhook bot on PostgreSQL, the reference switchboard's
// benchmarks compare with. For every update it writes what switchboard
// writes — the inbound message, the conversation's new state, the reply and
// its outbox row — in one transaction with a durable commit, on
// switchboard's own schema (migrated by `switchboard migrate`, seeded by
// bench/pgbench/seed.sql), then sends the reply with ctx.reply. Like most
// grammY bots it answers the webhook only after its handler, reply
// included, is done, and has no delivery queue or retry of its own.
//
// Environment (bench/loadgen -mode target -exec sets the TELEGRAM_ ones):
//   TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET
//   TELEGRAM_API_ROOT   Bot API root, such as http://127.0.0.1:41234
//   DATABASE_URL        postgres://… of the seeded database
//   DATABASE_SCHEMA     schema holding switchboard's tables
//   CONVS               conversations seeded (customers map onto them)
//   PORT                listen port on 127.0.0.1 (default 18090)
//   PG_POOL             connections in the pool (default 16)
import http from "node:http";
import { Bot, InlineKeyboard, webhookCallback } from "grammy";
import pg from "pg";

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) {
    console.error(`grammy bot: ${name} is not set`);
    process.exit(2);
  }
  return v;
};

const port = Number(env("PORT", "18090"));
const convs = Number(env("CONVS", "10000"));
const schema = env("DATABASE_SCHEMA", "public");
const pool = new pg.Pool({
  connectionString: env("DATABASE_URL"),
  max: Number(env("PG_POOL", "16")),
  options: `-c search_path=${schema}`,
});

const bot = new Bot(env("TELEGRAM_BOT_TOKEN"), { client: { apiRoot: env("TELEGRAM_API_ROOT") } });

const texts = {
  greeting: (ticket) => `Thank you for writing to us! Your ticket is ${ticket}. Pick a topic below, or talk to a person.`,
  answer: "We answer every day; write any time and a person will reply.\n\nDid this help?",
  handover: (ticket) => `Thank you! A person will answer you soon. Your place in the queue: 3, about 15 minutes. Ticket ${ticket}.`,
};
const menu = new InlineKeyboard()
  .text("Opening hours", "m:hours").row()
  .text("A question about my order", "m:order").row()
  .text("Talk to a person", "op");
const helped = new InlineKeyboard().text("Yes, thank you", "h:y").text("Talk to a person", "op");

// Customers of the load generator are 5000000000+n; each maps onto one of
// the seeded conversations.
const conversationOf = (userId) => ((userId - 5000000000) % convs + convs) % convs + 1;
const ticketOf = (conv) => `SB-${String(conv).padStart(6, "0")}`;

// store writes the update's four rows in one transaction.
async function store(ctx, kind, inboundText, state, step, replyText) {
  const conv = conversationOf(ctx.from.id);
  const chat = String(ctx.chat?.id ?? ctx.from.id);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query({
      name: "inbound",
      text: `INSERT INTO messages (conversation_id, direction, author, kind, text, file_id, file_name, channel, external_id,
                                   delivery_state, delivery_error, created_at)
             VALUES ($1, 'in', 'customer', $2, $3, '', '', 'telegram', $4, '', '', now()) ON CONFLICT DO NOTHING`,
      values: [conv, kind, inboundText, String(ctx.update.update_id)],
    });
    await client.query({
      name: "conversation",
      text: `UPDATE conversations SET state = $2::varchar, step = $3::varchar, updated_at = now(), last_message_at = now(),
                    handed_over_at = CASE WHEN $2::varchar = 'waiting' THEN now() ELSE handed_over_at END
             WHERE id = $1`,
      values: [conv, state, step],
    });
    const { rows } = await client.query({
      name: "outbound",
      text: `INSERT INTO messages (conversation_id, direction, author, kind, text, file_id, file_name, channel, external_id,
                                   delivery_state, delivery_error, created_at)
             VALUES ($1, 'out', 'bot', 'text', $2, '', '', 'telegram', '', 'pending', '', now()) RETURNING id`,
      values: [conv, replyText],
    });
    await client.query({
      name: "outbox",
      text: `INSERT INTO outbox (channel, chat_key, address, identity_id, conversation_id, message_id, payload, state,
                                 attempts, next_attempt_at, last_error, created_at)
             VALUES ('telegram', 'telegram:' || $2, $2, $1, $1, $3, $4, 'pending', 0, now(), '', now())`,
      values: [conv, chat, rows[0].id, JSON.stringify({ text: replyText })],
    });
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

bot.command("start", async (ctx) => {
  const text = texts.greeting(ticketOf(conversationOf(ctx.from.id)));
  await store(ctx, "command", "/start", "bot", "menu", text);
  await ctx.reply(text, { reply_markup: menu });
});

bot.callbackQuery("m:hours", async (ctx) => {
  await store(ctx, "button", "Opening hours", "bot", "answered:hours", texts.answer);
  ctx.answerCallbackQuery().catch(() => {}); // off the reply's path, as switchboard does
  await ctx.reply(texts.answer, { reply_markup: helped });
});

bot.on("message:text", async (ctx) => {
  const text = texts.handover(ticketOf(conversationOf(ctx.from.id)));
  await store(ctx, "text", ctx.message.text, "waiting", "", text);
  await ctx.reply(text);
});

bot.catch((err) => console.error("grammy bot:", err.error?.message ?? err.message));

await bot.init();
const handle = webhookCallback(bot, "http", { secretToken: env("TELEGRAM_WEBHOOK_SECRET") });
const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/webhooks/telegram") {
    handle(req, res).catch((err) => {
      console.error("grammy bot:", err.message);
      if (!res.headersSent) res.writeHead(500).end();
    });
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.error(`grammy bot listening on 127.0.0.1:${port}`));

const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

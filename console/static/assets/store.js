// store.js — what the console knows, shared by its views, and a small
// change notifier. Views re-render from here; nothing else holds data.

const handlers = new Map();

export const store = {
  /** The operator logged in (operator JSON). */
  me: null,
  /** Conversations in the queue, the operator's own, and the one on screen, by id. */
  convs: new Map(),
  /** Every operator, by id (for names and transfer targets). */
  operators: new Map(),
  /** Canned responses. */
  canned: [],
  /** Queue names seen on conversations, for transfer. */
  queues: new Set(['']),
  /** Callbacks: scheduled, dialing and failed ones, and the latest finished, by id. */
  callbacks: new Map(),
  /** Customers seen on callbacks, by id (callback events carry none). */
  customers: new Map(),
  /** Open follow-ups the operator is listed (a supervisor: all), by id. */
  followups: new Map(),
  /** The conversation on screen, or null. */
  currentId: null,
  /** Whether the live event stream is connected: 'live', 'connecting', 'off'. */
  connection: 'off',
};

/** Calls fn(detail) after every emit(topic). */
export function on(topic, fn) {
  if (!handlers.has(topic)) handlers.set(topic, new Set());
  handlers.get(topic).add(fn);
}

export function emit(topic, detail) {
  for (const fn of handlers.get(topic) || []) {
    try { fn(detail); } catch (err) { console.error(`handler for ${topic}`, err); }
  }
}

/**
 * Merges conversation JSON into the store, keeping what a partial view
 * (an event's data has no customer, unread or operator) leaves out.
 * Returns the previous and the merged conversation.
 */
export function mergeConversation(c) {
  const prev = store.convs.get(c.id) || null;
  const merged = { ...(prev || {}), ...c };
  for (const key of ['customer', 'unread', 'operator']) {
    if (c[key] === undefined && prev) merged[key] = prev[key];
  }
  if (merged.operator_id == null) merged.operator = null;
  else if (!merged.operator || merged.operator.id !== merged.operator_id) {
    const op = store.operators.get(merged.operator_id);
    merged.operator = op ? { id: op.id, name: op.name } : merged.operator || null;
  }
  store.convs.set(c.id, merged);
  if (typeof merged.queue === 'string') store.queues.add(merged.queue);
  return { prev, conv: merged };
}

/**
 * Puts customer JSON (a PATCH answer) wherever the store holds that
 * customer: on their conversations and among the customers of callbacks.
 */
export function mergeCustomer(cust) {
  for (const c of store.convs.values()) {
    if (c.customer_id === cust.id) c.customer = { ...(c.customer || {}), ...cust };
  }
  if (store.customers.has(cust.id)) store.customers.set(cust.id, { ...store.customers.get(cust.id), ...cust });
}

/** Conversations waiting, oldest first (by hand-over time). */
export function waitingList() {
  return [...store.convs.values()]
    .filter((c) => c.status === 'waiting')
    .sort((a, b) => sinceOf(a).localeCompare(sinceOf(b)) || a.id - b.id);
}

/** The caller's open conversations, those with news first, then oldest. */
export function mineList() {
  const me = store.me;
  return [...store.convs.values()]
    .filter((c) => c.status === 'open' && me && c.operator_id === me.id)
    .sort((a, b) => (b.unread || 0) - (a.unread || 0) || String(a.claimed_at || '').localeCompare(String(b.claimed_at || '')) || a.id - b.id);
}

/** When a conversation started waiting. */
export function sinceOf(c) {
  return c.handed_over_at || c.created_at || '';
}

/** A customer's name to show. */
export function customerName(c) {
  const cust = c && c.customer;
  if (!cust) return c && c.customer_id ? `Customer #${c.customer_id}` : 'Customer';
  return cust.name || (cust.username ? `@${cust.username}` : cust.phone || `Customer #${cust.id}`);
}

/** An operator's name by id. */
export function operatorName(id) {
  if (id == null) return '';
  if (store.me && store.me.id === id) return store.me.name || 'You';
  const op = store.operators.get(id);
  return op ? op.name || op.email : `Operator #${id}`;
}

export const isSupervisor = () => !!store.me && store.me.role === 'supervisor';

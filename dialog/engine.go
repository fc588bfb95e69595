package dialog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/feedback/label"
	"github.com/switchboardhq/switchboard/hours"
	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

// Engine decides what happens on every customer event and operator action.
// It is safe for concurrent use.
type Engine struct {
	store    *storage.Storage
	settings config.Settings
	texts    *Texts
	schedule *hours.Schedule
	// slots is when callbacks may be booked (callback_flow.go).
	slots  policy.SlotPolicy
	broker *events.Broker
	now    func() time.Time
	online func() int
	wake   func()
	log    *slog.Logger
	// textCallers: see Options.TextCallers.
	textCallers bool
	// handoff and handoffLease: see Options.
	handoff      func([]storage.OutboxItem)
	handoffLease time.Duration
	// assignMu lets one automatic assignment run at a time (assign.go).
	assignMu sync.Mutex
	// labels sorts feedback into thanks, complaints and questions.
	labels *label.Classifier
	// estimator learns the wait to tell from recent real waits.
	estimator *promises.Estimator
}

// Options wires an Engine to the rest of switchboard.
type Options struct {
	Settings config.Settings
	// Broker receives events after each commit; nil drops them.
	Broker *events.Broker
	// Clock is time.Now unless a test sets it.
	Clock func() time.Time
	// OnlineOperators counts operators at work now, for the wait estimate;
	// nil counts one.
	OnlineOperators func() int
	// OutboxWritten is called after a commit that queued replies, so
	// delivery starts at once instead of at the next poll.
	OutboxWritten func()
	// Handoff, when set, receives the outbox items of each commit to send
	// them in this process at once; they are written leased for
	// HandoffLease so no other instance claims them meanwhile.
	Handoff      func([]storage.OutboxItem)
	HandoffLease time.Duration
	// TextCallers says SMS can be sent: a caller is told of their
	// callback (failed, late, cancelled) by text to the number they
	// called from, as a call cannot take a message.
	TextCallers bool
	Logger      *slog.Logger
}

// New builds an engine; it fails when the texts in settings are invalid,
// naming the YAML key.
func New(store *storage.Storage, o Options) (*Engine, error) {
	texts, err := NewTexts(o.Settings.Texts, o.Settings.DefaultLanguage)
	if err != nil {
		return nil, err
	}
	sched, err := o.Settings.BusinessHours.Schedule()
	if err != nil {
		return nil, fmt.Errorf("business_hours: %w", err)
	}
	slots, err := o.Settings.SlotPolicy()
	if err != nil {
		return nil, err
	}
	e := &Engine{store: store, settings: o.Settings, texts: texts, schedule: sched, slots: slots, broker: o.Broker,
		now: o.Clock, online: o.OnlineOperators, wake: o.OutboxWritten, log: o.Logger,
		handoff: o.Handoff, handoffLease: o.HandoffLease, textCallers: o.TextCallers,
		labels:    label.New(o.Settings.LabelRules()),
		estimator: promises.NewEstimator(time.Duration(o.Settings.Queue.MinutesPerCustomer) * time.Minute)}
	if e.handoff == nil || e.handoffLease <= 0 {
		e.handoff, e.handoffLease = nil, 0
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.online == nil {
		e.online = func() int { return 1 }
	}
	if e.wake == nil {
		e.wake = func() {}
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	return e, nil
}

// Texts exposes the engine's texts (adapters need button labels).
func (e *Engine) Texts() *Texts { return e.texts }

// errDuplicate unwinds a transaction whose event was handled before.
var errDuplicate = errors.New("event handled before")

// Handle records ev and everything it leads to in one transaction, then
// publishes events and wakes delivery.
func (e *Engine) Handle(ctx context.Context, ev Event) (Result, error) {
	res := e.HandleBatch(ctx, []Event{ev})
	return res[0].Result, res[0].Err
}

// BatchResult is the outcome of one event of a batch.
type BatchResult struct {
	Result Result
	Err    error
}

// HandleBatch handles several events in one transaction — one durable
// commit — and reports each event's outcome. No result is final before the
// commit succeeds. If any event fails, the transaction is rolled back and
// every event is handled again on its own, so one bad event does not undo
// the others.
func (e *Engine) HandleBatch(ctx context.Context, evs []Event) []BatchResult {
	out := make([]BatchResult, len(evs))
	clean := make([]Event, len(evs))
	for i, ev := range evs {
		clean[i] = sanitize(ev)
	}
	evs = clean
	e.learnWaits(ctx)
	var pending []pendingEvent
	err := e.store.Batch(ctx, func(tx *storage.Storage) error {
		pending = pending[:0]
		req := storage.PrefetchRequest{Events: len(evs)}
		for _, ev := range evs {
			req.Contacts = append(req.Contacts, ev.From)
			if ev.ExternalID != "" {
				req.Inbound = append(req.Inbound, inboundRef(ev))
			}
			if req.QueueAt.IsZero() && e.mayHandOver(ev) {
				// Every handover of the batch comes at this time or later.
				req.QueueAt = e.now().UTC()
			}
		}
		seen, err := tx.Prefetch(ctx, req)
		if err != nil {
			return err
		}
		for i, ev := range evs {
			// Events without an external id are never repeats.
			if ev.ExternalID != "" {
				if seen[inboundRef(ev)] {
					out[i] = BatchResult{Result: Result{Duplicate: true}}
					if ev.Inline {
						out[i].Result.Replies = e.saidBefore(ctx, tx, ev)
					}
					continue
				}
				seen[inboundRef(ev)] = true
			}
			r, emitted, err := e.handleTx(ctx, tx, ev)
			if err != nil {
				// Including a duplicate that raced past the check: its
				// partial writes must go, so the whole batch goes.
				return err
			}
			out[i].Result = r
			pending = append(pending, emitted...)
		}
		return nil
	})
	if err != nil {
		// Including ErrBatchConflict: a concurrent batch stored one of
		// these events first, and handling each alone finds which.
		for i, ev := range evs {
			out[i] = e.handleOne(ctx, ev)
		}
		return out
	}
	e.afterCommit(made(pending), out)
	return out
}

// handleOne handles one event in a transaction of its own.
func (e *Engine) handleOne(ctx context.Context, ev Event) BatchResult {
	var out BatchResult
	var pending []pendingEvent
	err := e.store.Tx(ctx, func(tx *storage.Storage) error {
		r, emitted, err := e.handleTx(ctx, tx, ev)
		out.Result, pending = r, emitted
		return err
	})
	switch {
	case errors.Is(err, errDuplicate):
		return BatchResult{Result: Result{Duplicate: true, Replies: out.Result.Replies}}
	case err != nil:
		return BatchResult{Err: fmt.Errorf("handle %s event: %w", ev.Kind, err)}
	}
	e.afterCommit(made(pending), []BatchResult{out})
	return out
}

// inboundRef names a sanitised event's message at its channel.
func inboundRef(ev Event) storage.InboundRef {
	return storage.InboundRef{Channel: ev.From.Channel, ExternalID: ev.ExternalID}
}

// saidBefore is what was said back to an inline event handled before.
func (e *Engine) saidBefore(ctx context.Context, tx *storage.Storage, ev Event) []Reply {
	raw, err := tx.InboundResponse(ctx, ev.From.Channel, ev.ExternalID)
	var said []Reply
	if err == nil && raw != "" {
		_ = json.Unmarshal([]byte(raw), &said)
	}
	return said
}

func (e *Engine) afterCommit(pending []events.Event, out []BatchResult) {
	for _, ev := range pending {
		e.broker.Publish(ev)
	}
	items := committedItems(out)
	switch {
	case len(items) == 0:
	case e.handoff != nil:
		e.handoff(items)
	default:
		e.wake()
	}
	e.assignAfter(pending)
}

// turn collects what one event or action writes and emits.
type turn struct {
	e     *Engine
	tx    *storage.Storage
	ident storage.Identity
	cust  storage.Customer
	conv  storage.Conversation
	lang  string
	now   time.Time
	emit  []pendingEvent
	// items are the outbox items written, for the hand-off after commit.
	items []*storage.OutboxItem
	// inline collects replies said in the channel's answer, when asked.
	inline *[]Reply
	// inbound is the customer's message this turn stored, if any.
	inbound *storage.Message
	// markProactive marks the replies written now as proactive.
	markProactive bool
	// callbackID links the replies written now to the callback they tell
	// about.
	callbackID *uint64
}

// handleTx handles ev, sanitised by HandleBatch, inside tx.
func (e *Engine) handleTx(ctx context.Context, tx *storage.Storage, ev Event) (Result, []pendingEvent, error) {
	ident, cust, err := tx.FindOrCreateIdentity(ctx, ev.From)
	if err != nil {
		return Result{}, nil, err
	}
	now := e.now().UTC()
	t := &turn{e: e, tx: tx, ident: ident, cust: cust, now: now}
	t.lang = e.texts.Language(firstNonEmpty(ev.From.Language, cust.Language))
	if ev.From.Language != "" && ev.From.Language != cust.Language {
		if err := tx.SetCustomerLanguage(ctx, cust.ID, ev.From.Language); err != nil {
			return Result{}, nil, err
		}
	}
	switch ev.Kind {
	case KindBlocked:
		if err := tx.MarkUnreachable(ctx, ident.ID, "blocked the bot", now); err != nil {
			return Result{}, nil, err
		}
		_, err := tx.FailPendingForIdentity(ctx, ident.ID, "customer blocked the bot")
		return Result{}, nil, err
	case KindUnblocked:
		return Result{}, nil, tx.MarkReachable(ctx, ident.ID)
	}
	if ev.Inline {
		t.inline = &[]Reply{}
	}
	fresh, err := t.pickConversation(ctx, ev)
	if err != nil {
		return Result{}, nil, err
	}
	inbound, err := t.storeInbound(ctx, ev)
	if errors.Is(err, errDuplicate) && ev.Inline {
		// Said before: say the same again.
		return Result{Duplicate: true, Replies: e.saidBefore(ctx, tx, ev)}, nil, err
	}
	if err != nil {
		return Result{}, nil, err
	}
	if err := t.rememberPhone(ctx, ev); err != nil {
		return Result{}, nil, err
	}
	if err := t.decide(ctx, ev, fresh); err != nil {
		return Result{}, nil, err
	}
	if err := tx.SaveConversation(ctx, &t.conv); err != nil {
		return Result{}, nil, err
	}
	res := Result{ConversationID: t.conv.ID, Ticket: t.conv.Ticket(), State: t.conv.State, Outbox: len(t.items), items: t.items}
	if t.inline != nil {
		res.Replies = *t.inline
		said, err := json.Marshal(res.Replies)
		if err != nil {
			return Result{}, nil, fmt.Errorf("encode inline replies: %w", err)
		}
		if err := tx.SetInboundResponse(ctx, inbound, string(said)); err != nil {
			return Result{}, nil, err
		}
	}
	t.emitConversation()
	return res, t.emit, nil
}

// pickConversation finds the conversation ev belongs to, or starts one. A
// resolved conversation is reopened by a message within the reopen window;
// after it, or on /start, a new ticket starts.
func (t *turn) pickConversation(ctx context.Context, ev Event) (bool, error) {
	conv, err := t.tx.LatestConversation(ctx, t.ident.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return true, t.newConversation(ctx)
	case err != nil:
		return false, err
	}
	t.conv = conv
	if conv.State != storage.StateResolved {
		return false, nil
	}
	restart := ev.Kind == KindCommand && (ev.Command == "start" || ev.Command == "menu")
	expired := conv.ResolvedAt == nil || t.now.Sub(*conv.ResolvedAt) > t.e.settings.Conversation.ReopenWindow
	if strings.HasPrefix(conv.Step, stepSurvey) {
		// A survey answer is awaited: the window runs from the question.
		expired = t.now.Sub(conv.LastMessageAt) > t.e.settings.Conversation.ReopenWindow
	}
	if ev.Kind == KindCommand && ev.Command == "status" {
		return false, nil
	}
	if restart || expired {
		if t.tx.Dialect() == storage.Postgres {
			// An event that waited for this row's lock still sees it as the
			// newest; a second look finds the ticket a concurrent event of
			// the same customer has just opened. SQLite's single writer
			// cannot interleave so.
			newer, err := t.tx.RereadLatestConversation(ctx, t.ident.ID)
			if err != nil {
				return false, err
			}
			if newer.ID != conv.ID {
				t.conv = newer
				return false, nil
			}
		}
		return true, t.newConversation(ctx)
	}
	return false, nil
}

func (t *turn) newConversation(ctx context.Context) error {
	t.conv = storage.Conversation{
		CustomerID: t.cust.ID, IdentityID: t.ident.ID, Channel: t.ident.Channel,
		State: storage.StateBot, Step: stepMenu, Language: t.lang, LastMessageAt: t.now,
	}
	return t.tx.CreateConversation(ctx, &t.conv)
}

const (
	stepMenu     = "menu"
	stepAnswered = "answered:"
)

func (t *turn) storeInbound(ctx context.Context, ev Event) (*storage.Message, error) {
	m := &storage.Message{
		ConversationID: t.conv.ID, Author: storage.AuthorCustomer, Kind: string(ev.Kind), Text: ev.Text,
		Channel: t.ident.Channel, ExternalID: ev.ExternalID, CreatedAt: t.now,
	}
	switch ev.Kind {
	case KindCommand:
		m.Text = strings.TrimSpace("/" + ev.Command + " " + ev.Payload)
	case KindButton:
		m.Text = t.e.buttonLabel(t.lang, ev.Button)
		if label, ok := t.callbackButtonLabel(ev.Button); ok {
			m.Text = label
		}
	case KindMedia:
		m.Kind, m.FileID, m.FileName = ev.Media.Kind, ev.Media.FileID, ev.Media.FileName
		m.MediaType, m.MediaSize = ev.Media.ContentType, ev.Media.Size
		if ev.Media.Phone != "" && m.Text == "" {
			m.Text = ev.Media.Phone
		}
	}
	if ev.ExternalID == "" {
		if err := t.tx.InsertMessage(ctx, m); err != nil {
			return m, err
		}
	} else {
		inserted, err := t.tx.InsertInbound(ctx, m)
		if err != nil {
			return m, err
		}
		if !inserted {
			return m, errDuplicate
		}
	}
	t.conv.LastMessageAt = t.now
	t.inbound = m
	t.emitMessage(m)
	return m, t.storeMoreMedia(ctx, ev)
}

// reply stores an outbound message and queues it for delivery, unless the
// customer cannot be reached on this channel.
func (t *turn) reply(ctx context.Context, author string, op *storage.Operator, r Reply) error {
	m := &storage.Message{
		ConversationID: t.conv.ID, Direction: storage.Outbound, Author: author, Kind: "text", Text: r.Text,
		Channel: t.ident.Channel, DeliveryState: storage.DeliveryPending, CreatedAt: t.now, Proactive: t.markProactive,
		CallbackID: t.callbackID,
	}
	if op != nil {
		m.OperatorID = &op.ID
	}
	if len(r.Buttons) > 0 {
		choices, err := json.Marshal(Choices(r.Buttons))
		if err != nil {
			return fmt.Errorf("encode choices: %w", err)
		}
		m.Choices = string(choices)
	}
	r.Attachment.describe(m)
	switch {
	case t.inline != nil:
		// Said in the channel's own answer (a call): delivered with it.
		r.Language = t.lang
		m.DeliveryState, m.DeliveredAt = storage.DeliverySent, &t.now
		*t.inline = append(*t.inline, r)
	case t.ident.Unreachable:
		m.DeliveryState, m.DeliveryError = storage.DeliveryFailed, "customer unreachable: "+t.ident.UnreachableReason
	case t.ident.OptedOut:
		m.DeliveryState, m.DeliveryError = storage.DeliveryFailed, "customer opted out of messages on "+t.ident.Channel
	case t.ident.Channel == ChannelVoice:
		m.DeliveryState, m.DeliveryError = storage.DeliveryFailed, errCallOnly
	}
	if err := t.tx.InsertMessage(ctx, m); err != nil {
		return err
	}
	if err := r.Attachment.store(ctx, t.tx, m); err != nil {
		return err
	}
	t.emitMessage(m)
	if m.DeliveryState != storage.DeliveryPending {
		return nil
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
	}
	// MessageID points at m's id, which a batch fills when it writes m.
	it := &storage.OutboxItem{
		Channel: t.ident.Channel, ChatKey: t.ident.Channel + ":" + t.ident.Address, Address: t.ident.Address,
		IdentityID: t.ident.ID, ConversationID: t.conv.ID, MessageID: &m.ID, Payload: string(payload), NextAttemptAt: t.now,
	}
	if t.e.handoffLease > 0 {
		until := time.Now().UTC().Add(t.e.handoffLease)
		it.LockedUntil = &until
	}
	if err := t.tx.EnqueueOutbox(ctx, it); err != nil {
		return err
	}
	t.items = append(t.items, it)
	return nil
}

func (t *turn) text(key string, vars ...string) string {
	return t.e.texts.Get(t.lang, t.spokenKey(key), append([]string{"ticket", t.ticket()}, vars...)...)
}

// emitMessage notes m's event; it is made after commit, when m has its id.
func (t *turn) emitMessage(m *storage.Message) { t.emit = append(t.emit, pendingEvent{msg: m}) }

func (t *turn) emitConversation() {
	t.emit = append(t.emit, pendingEvent{ev: conversationChanged(t.conv)})
}

// pendingEvent is an event of a turn, made once its transaction committed:
// a message written by a batch gets its id only at the batch's end.
type pendingEvent struct {
	ev  events.Event
	msg *storage.Message
}

// committedItems are the outbox items of a batch's results.
func committedItems(out []BatchResult) []storage.OutboxItem {
	var items []storage.OutboxItem
	for _, r := range out {
		for _, it := range r.Result.items {
			items = append(items, *it)
		}
	}
	return items
}

// made turns a committed turn's pending events into events.
func made(pending []pendingEvent) []events.Event {
	out := make([]events.Event, len(pending))
	for i, p := range pending {
		if p.msg != nil {
			out[i] = messageCreated(*p.msg)
		} else {
			out[i] = p.ev
		}
	}
	return out
}

// messageCreated is the event of a stored message, with its ticket.
func messageCreated(m storage.Message) events.Event {
	return events.Event{Type: events.MessageCreated, ConversationID: m.ConversationID,
		Data: MessageView{Message: m, Ticket: storage.FormatTicket(m.ConversationID)}}
}

// ConversationView is a conversation as operators and events show it.
type ConversationView struct {
	storage.Conversation
	Ticket string `json:"ticket"`
}

// MessageView is a message as events show it, with its ticket.
type MessageView struct {
	storage.Message
	Ticket string `json:"ticket"`
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

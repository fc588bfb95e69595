package api

import (
	"context"

	"github.com/switchboardhq/switchboard/storage"
)

// viewConversations renders convs for the calling operator with their
// customers, their operators ({id, name}), the caller's unread counts and
// the surveys of the resolved ones: at most four queries however many
// conversations there are (the queue's lists have no resolved ones, so
// three).
func (a *API) viewConversations(ctx context.Context, caller storage.Operator, convs []storage.Conversation) ([]conversationView, error) {
	customerIDs := make([]uint64, 0, len(convs))
	operatorIDs := make([]uint64, 0, len(convs))
	convIDs := make([]uint64, 0, len(convs))
	var resolvedIDs []uint64
	for _, c := range convs {
		customerIDs, convIDs = append(customerIDs, c.CustomerID), append(convIDs, c.ID)
		if c.State == storage.StateResolved {
			resolvedIDs = append(resolvedIDs, c.ID)
		}
		if c.OperatorID != nil {
			operatorIDs = append(operatorIDs, *c.OperatorID)
		}
	}
	customers, err := a.store.CustomersByID(ctx, customerIDs)
	if err != nil {
		return nil, err
	}
	operators, err := a.store.OperatorsByID(ctx, operatorIDs)
	if err != nil {
		return nil, err
	}
	unread, err := a.store.UnreadCounts(ctx, caller.ID, convIDs)
	if err != nil {
		return nil, err
	}
	surveys, err := a.store.SurveysOf(ctx, resolvedIDs)
	if err != nil {
		return nil, err
	}
	out := make([]conversationView, 0, len(convs))
	for _, c := range convs {
		var cust *customerView
		if found, ok := customers[c.CustomerID]; ok {
			cust = viewCustomer(found)
		}
		v := viewConversation(c, cust)
		if c.OperatorID != nil {
			if o, ok := operators[*c.OperatorID]; ok {
				v.Operator = &operatorRef{ID: o.ID, Name: o.Name}
			}
		}
		n := unread[c.ID]
		v.Unread = &n
		if sv, ok := surveys[c.ID]; ok {
			v.withSurvey(sv)
		}
		out = append(out, v)
	}
	return out, nil
}

// viewOne is viewConversations for one conversation.
func (a *API) viewOne(ctx context.Context, caller storage.Operator, conv storage.Conversation) (conversationView, error) {
	views, err := a.viewConversations(ctx, caller, []storage.Conversation{conv})
	if err != nil {
		return conversationView{}, err
	}
	return views[0], nil
}

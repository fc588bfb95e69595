package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// explainPrefetch prints the prefetch statement's plan for a batch of
// o.batch new contacts and one of o.batch returning ones, each counting
// the queue, planned with the arguments (a custom plan) and without (the
// generic plan).
func explainPrefetch(ctx context.Context, store *storage.Storage, o options) error {
	for _, b := range []struct {
		name  string
		first int64
	}{{"new", int64(o.customers) + 900_000_000}, {"returning", int64(o.customers)/2 + 1}} {
		// As the engine asks when the batch may hand over: the queue and
		// the free slots are counted too.
		req := storage.PrefetchRequest{Events: o.batch, QueueAt: time.Now().UTC()}
		for i := range int64(o.batch) {
			id := strconv.FormatInt(b.first+i*7, 10)
			req.Contacts = append(req.Contacts, storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: id, Address: id})
			req.Inbound = append(req.Inbound, storage.InboundRef{Channel: dialog.ChannelTelegram,
				ExternalID: strconv.FormatInt(2_000_000_000+b.first+i, 10)})
		}
		for _, generic := range []bool{false, true} {
			plan, err := store.ExplainPrefetch(ctx, req, generic)
			if err != nil {
				return err
			}
			fmt.Printf("--- prefetch plan (generic %v), %d %s contacts:\n%s\n", generic, o.batch, b.name, plan)
		}
	}
	return nil
}

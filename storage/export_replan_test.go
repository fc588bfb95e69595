package storage

import "context"

// ReplanEvery is replanEvery, for the tests.
const ReplanEvery = replanEvery

// RemigrateQueueTally runs migration 26 again, in a transaction of its own.
func RemigrateQueueTally(ctx context.Context, s *Storage) error {
	return s.db.WithContext(ctx).Transaction(migrateQueueTally)
}

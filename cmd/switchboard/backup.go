package main

import (
	"context"
	"fmt"
	"io"

	"github.com/switchboardhq/switchboard/backup"
	"github.com/switchboardhq/switchboard/config"
)

// backupTo copies the SQLite database to path while servers run.
func backupTo(ctx context.Context, cfg config.Config, path string, stdout, stderr io.Writer) int {
	if err := backup.Backup(ctx, cfg.DatabaseURL, path); err != nil {
		return failBackup(stderr, err)
	}
	file, _ := backup.DatabaseFile(cfg.DatabaseURL)
	fmt.Fprintf(stdout, "backed up %s to %s\n", file, path)
	return 0
}

// restoreFrom replaces the SQLite database with the backup at path.
func restoreFrom(ctx context.Context, cfg config.Config, path string, stdout, stderr io.Writer) int {
	if err := backup.Restore(ctx, cfg.DatabaseURL, path); err != nil {
		return failBackup(stderr, err)
	}
	file, _ := backup.DatabaseFile(cfg.DatabaseURL)
	fmt.Fprintf(stdout, "restored %s from %s (switchboard migrates it at start if it is older)\n", file, path)
	return 0
}

// failBackup exits 2 when the operation was refused before it began, 1 when
// it failed on the way.
func failBackup(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "switchboard: %v\n", err)
	if backup.Refused(err) {
		return 2
	}
	return 1
}

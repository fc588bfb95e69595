// Command replayday replays simulated days at a support desk through the
// real dialog engine on a controlled clock, once with the fixed wait rule
// and once with the learned estimate on the same customers, and prints how
// well each kept its promise side by side (see package day).
//
//	go run ./bench/replayday -days 5
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/switchboardhq/switchboard/bench/replayday/day"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/storage"
)

func main() {
	days := flag.Int("days", 3, "days to replay, seeds 1..days")
	dir := flag.String("dir", "", "directory for the SQLite databases (a temporary one when empty)")
	prior := flag.Int("minutes-per-customer", 8, "queue.minutes_per_customer: the fixed rule's figure and the learned one's prior")
	flag.Parse()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	if err := run(context.Background(), *days, *dir, *prior); err != nil {
		fmt.Fprintln(os.Stderr, "replayday:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, days int, dir string, prior int) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "replayday")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	var total [2]day.Result
	fmt.Printf("%-4s %-8s %9s %9s %6s %7s %10s %10s %11s %10s\n", "day", "rule", "customers", "estimates",
		"judged", "kept", "kept share", "told/real", "median told", "real p50/p95")
	for seed := 1; seed <= days; seed++ {
		for i, rule := range []string{config.EstimateFixed, config.EstimateLearned} {
			start := time.Now()
			opts := day.Default(uint64(seed), rule)
			opts.MinutesPerCustomer = prior
			res, err := replay(ctx, filepath.Join(dir, fmt.Sprintf("day%d-%s.db", seed, rule)), opts)
			if err != nil {
				return fmt.Errorf("day %d, %s: %w", seed, rule, err)
			}
			total[i].Customers += res.Customers
			total[i].Estimates += res.Estimates
			total[i].Judged += res.Judged
			total[i].Kept += res.Kept
			total[i].Ratios = append(total[i].Ratios, res.Ratios...)
			fmt.Printf("%-4d %-8s %9d %9d %6d %7d %9.1f%% %10.2f %11.0f %5s/%-5s  (%s)\n", seed, rule, res.Customers,
				res.Estimates, res.Judged, res.Kept, 100*res.KeptShare(), res.ToldToRealMedian, res.ToldMedian,
				short(res.RealWaitMedian), short(res.RealWaitP95), time.Since(start).Round(time.Second))
		}
	}
	for i, rule := range []string{config.EstimateFixed, config.EstimateLearned} {
		t := total[i]
		fmt.Printf("all  %-8s %9d %9d %6d %7d %9.1f%% %10.2f\n", rule, t.Customers, t.Estimates, t.Judged, t.Kept,
			100*t.KeptShare(), day.Median(t.Ratios))
	}
	return nil
}

func replay(ctx context.Context, path string, opts day.Options) (day.Result, error) {
	store, err := storage.Open(ctx, "sqlite://"+path)
	if err != nil {
		return day.Result{}, err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return day.Result{}, err
	}
	return day.Run(ctx, store, opts)
}

func short(d time.Duration) string {
	return fmt.Sprintf("%.1fm", d.Minutes())
}

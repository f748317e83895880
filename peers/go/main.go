// The Go peer of the tour's `numbers` run: the same experiments as the
// Rust runtimes, on goroutines and channels, printed as the same
// `name=value unit` lines that every lesson's `measure` prints.
//
//	go build -o /tmp/go-peers . && /tmp/go-peers spawn --tasks 10000 --procs 1
//
// The tour builds and runs it (lessons/lesson-00-tour/src/numbers/peers.rs);
// nothing here depends on anything but Go's standard library.
//
// Subcommands:
//
//	version                       go=<runtime.Version()>
//	spawn --tasks N --procs P     ns_per_task, bytes_per_task: spawn and join
//	                              N goroutines that each yield once
//	switch --iters N --rounds R   gosched_ns: one runtime.Gosched() of the
//	                              only goroutine, to the scheduler and back
//	channels --iters N --rounds R chan_round_trip_ns: a ping-pong over two
//	                              buffered(1) channels between two goroutines
//
// Like the Rust side, a time is the median of several rounds (spawn: of
// three warm batches after a cold one), and a memory figure is the growth
// of the process's peak resident size while all N tasks are alive.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: go-peers version|spawn|switch|channels [flags]")
	}
	flags := flag.NewFlagSet(os.Args[1], flag.ContinueOnError)
	tasks := flags.Int("tasks", 1000, "goroutines spawned and joined at once")
	procs := flags.Int("procs", 1, "GOMAXPROCS: threads running goroutines")
	iters := flags.Int("iters", 100000, "switches or round trips per round")
	rounds := flags.Int("rounds", 3, "rounds; the figure is their median")
	if err := flags.Parse(os.Args[2:]); err != nil {
		fail(err.Error())
	}
	if *tasks < 1 || *procs < 1 || *iters < 1 || *rounds < 1 {
		fail("--tasks, --procs, --iters and --rounds must be at least 1")
	}
	// One thread runs goroutines unless the experiment asks for more: the
	// counterpart of tokio's current-thread runtime and of the hub.
	runtime.GOMAXPROCS(*procs)
	switch os.Args[1] {
	case "version":
		fmt.Printf("go=%s\n", runtime.Version())
	case "spawn":
		ns, bytes, ok := spawnReport(*tasks)
		figure("ns_per_task", ns, "ns")
		if ok {
			figure("bytes_per_task", bytes, "B")
		}
	case "switch":
		figure("gosched_ns", goschedNs(*iters, *rounds), "ns")
	case "channels":
		figure("chan_round_trip_ns", chanRoundTripNs(*iters, *rounds), "ns")
	default:
		fail("no experiment called " + strconv.Quote(os.Args[1]))
	}
}

// fail prints one `error:` line and exits with status 1, as the lessons do.
func fail(why string) {
	fmt.Fprintln(os.Stderr, "error: "+why)
	os.Exit(1)
}

// figure prints one `name=value unit` line.
func figure(name string, value float64, unit string) {
	fmt.Printf("%s=%.3f %s\n", name, value, unit)
}

// median of some samples (the mean of the middle two for an even count).
func median(samples []float64) float64 {
	sort.Float64s(samples)
	mid := len(samples) / 2
	if len(samples)%2 == 1 {
		return samples[mid]
	}
	return (samples[mid-1] + samples[mid]) / 2
}

// spawnJoin starts n goroutines that each yield once and store their
// number, and waits for all of them: gevent's spawn + joinall, Go style.
//
// With a gate, every goroutine first waits for it, and the gate opens
// once the last one is spawned, so that all n are alive at once. Without
// one, a goroutine may run and finish while others are still being
// spawned (on a second thread, or when the spawner is preempted), and a
// finished goroutine's stack goes straight to the next one: the memory
// figure would count fewer live goroutines than n. The timed batches have
// no gate: they time the experiment itself.
func spawnJoin(n int, gate chan struct{}) []uint64 {
	results := make([]uint64, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			if gate != nil {
				<-gate
			}
			// Back to the scheduler once, as the Rust tasks sleep(0).
			runtime.Gosched()
			results[i] = uint64(i)
			wg.Done()
		}(i)
	}
	if gate != nil {
		close(gate)
	}
	wg.Wait()
	return results
}

// spawnReport: one cold batch, gated so that all n are alive at once,
// whose peak resident growth per goroutine is the memory figure (a
// goroutine parked at the gate also holds a `sudog`, Go's record of a
// waiter, about 100 bytes of it); then three warm batches, whose median
// time per goroutine is the time figure (lesson 03's `spawn_report_on`,
// in Go).
func spawnReport(n int) (ns float64, bytes float64, ok bool) {
	// One goroutine first, so that the scheduler's own first-time setup
	// is not charged to the tasks.
	spawnJoin(1, nil)
	// Collect now, so that garbage of the setup is not freed mid-batch.
	runtime.GC()
	before, resetOk := resetPeak()
	results := spawnJoin(n, make(chan struct{}))
	peak, peakOk := peakResident()
	// The results slice is the harness's, not the goroutines'.
	growth := float64(peak) - float64(before) - float64(8*len(results))
	ok = resetOk && peakOk
	if growth < 0 {
		growth = 0
	}
	bytes = growth / float64(n)
	warm := make([]float64, 0, 3)
	for i := 0; i < 3; i++ {
		start := time.Now()
		spawnJoin(n, nil)
		warm = append(warm, float64(time.Since(start).Nanoseconds())/float64(n))
	}
	return median(warm), bytes, ok
}

// resetPeak sets the kernel's peak resident size (VmHWM) to the current
// one (writing 5 to /proc/self/clear_refs, Linux 4.0 and later) and
// returns the current resident size (VmRSS).
func resetPeak() (uint64, bool) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return 0, false
	}
	return status("VmRSS:")
}

// peakResident is VmHWM: the largest resident size since resetPeak.
func peakResident() (uint64, bool) {
	return status("VmHWM:")
}

// status reads one `Key:   1234 kB` line of /proc/self/status, in bytes.
func status(key string) (uint64, bool) {
	text, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(text), "\n") {
		if !strings.HasPrefix(line, key) {
			continue
		}
		field := strings.TrimSpace(strings.TrimPrefix(line, key))
		kib, err := strconv.ParseUint(strings.TrimSuffix(field, " kB"), 10, 64)
		if err != nil {
			return 0, false
		}
		return kib * 1024, true
	}
	return 0, false
}

// goschedNs: ns per runtime.Gosched() of a lone goroutine: to the
// scheduler, which finds it the only one ready and resumes it. The Go
// counterpart of may's yield_now and tokio's yield_now.
func goschedNs(iters, rounds int) float64 {
	done := make(chan float64)
	go func() {
		samples := make([]float64, 0, rounds)
		for r := 0; r < rounds; r++ {
			start := time.Now()
			for i := 0; i < iters; i++ {
				runtime.Gosched()
			}
			samples = append(samples, float64(time.Since(start).Nanoseconds())/float64(iters))
		}
		done <- median(samples)
	}()
	return <-done
}

// chanRoundTripNs: ns per ping-pong round trip between two goroutines over
// two channels of capacity one (the Rust side's bounded(1)): a message to
// an echo and its answer back, one in flight at a time.
func chanRoundTripNs(iters, rounds int) float64 {
	toEcho := make(chan int, 1)
	back := make(chan int, 1)
	go func() {
		for v := range toEcho {
			back <- v
		}
	}()
	done := make(chan float64)
	go func() {
		samples := make([]float64, 0, rounds)
		for r := 0; r < rounds; r++ {
			start := time.Now()
			for i := 0; i < iters; i++ {
				toEcho <- i
				<-back
			}
			samples = append(samples, float64(time.Since(start).Nanoseconds())/float64(iters))
		}
		close(toEcho)
		done <- median(samples)
	}()
	return <-done
}

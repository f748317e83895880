"""The Python peer of the tour's `numbers` run.

The same experiments as the Rust runtimes, on gevent, greenlet and
asyncio, printed as the same `name=value unit` lines that every lesson's
`measure` prints:

    python3 peers/python/peers.py spawn --runtime gevent --tasks 10000

The tour runs it (lessons/lesson-00-tour/src/numbers/peers.rs) when
`python3` is on PATH; gevent and greenlet are needed only by the
experiments that use them (`pip install gevent` brings both), asyncio is
in the standard library.

Experiments:

    versions                              python=, gevent=, greenlet= lines
                                          (`missing` for a module that
                                          cannot be imported)
    spawn --runtime R --tasks N           ns_per_task, bytes_per_task:
                                          spawn and join N tasks that each
                                          yield once; R is gevent or asyncio
    switch --iters N --rounds R           greenlet_switch_ns, gevent_sleep0_ns,
                                          asyncio_sleep0_ns
    channels --iters N --rounds R         gevent_queue_round_trip_ns,
                                          asyncio_queue_round_trip_ns

As on the Rust side, a time is the median of several rounds (spawn: of
three warm batches after a cold one), and a memory figure is the growth of
the process's peak resident size while all N tasks are alive. Python's
garbage collector stays on: it is part of what a Python program pays.
"""

import argparse
import statistics
import sys
import time

WARM_BATCHES = 3


def figure(name, value, unit):
    """One `name=value unit` line."""
    print(f"{name}={value:.3f} {unit}")


def fail(why):
    """One `error:` line and status 1, as the lessons do."""
    print(f"error: {why}", file=sys.stderr)
    sys.exit(1)


def status(key):
    """One `Key:   1234 kB` line of /proc/self/status, in bytes, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line[len(key):].split()[0]) * 1024
    except OSError:
        return None
    return None


def reset_peak():
    """Sets the peak resident size (VmHWM) to the current one (Linux 4.0
    and later) and returns the current resident size (VmRSS), or None."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return None
    return status("VmRSS:")


# The spawn experiment: N tasks, each yields once and returns its number.


def gevent_spawner():
    import gevent

    def task(i):
        # Back to the hub once, as the Rust tasks sleep(0).
        gevent.sleep(0)
        return i

    def spawn_join(n):
        # gevent.spawn only schedules the start: every task is alive
        # before the first one runs, when joinall hands the CPU to the hub.
        tasks = [gevent.spawn(task, i) for i in range(n)]
        gevent.joinall(tasks)
        return [t.value for t in tasks]

    return spawn_join


def asyncio_spawner():
    import asyncio

    async def task(i):
        # Back to the event loop once.
        await asyncio.sleep(0)
        return i

    async def spawn_join_async(n):
        # create_task only schedules the first step: every task is alive
        # before the first one runs, when gather awaits.
        tasks = [asyncio.create_task(task(i)) for i in range(n)]
        return await asyncio.gather(*tasks)

    # One loop for every batch, as one runtime serves every batch on the
    # Rust side.
    loop = asyncio.new_event_loop()
    return lambda n: loop.run_until_complete(spawn_join_async(n))


def spawn_report(spawn_join, n):
    """One cold batch, whose peak resident growth per task is the memory
    figure, then three warm batches, whose median time per task is the
    time figure (lesson 03's `spawn_report_on`, in Python)."""
    # One task first, so that first-time setup (the hub, the loop) is not
    # charged to the tasks.
    spawn_join(1)
    before = reset_peak()
    results = spawn_join(n)
    peak = status("VmHWM:")
    bytes_per_task = None
    if before is not None and peak is not None:
        # The results list is the harness's, not the tasks'.
        growth = peak - before - sys.getsizeof(results)
        bytes_per_task = max(growth, 0) / n
    del results
    warm = []
    for _ in range(WARM_BATCHES):
        start = time.perf_counter_ns()
        spawn_join(n)
        warm.append((time.perf_counter_ns() - start) / n)
    return statistics.median(warm), bytes_per_task


# The switch experiments.


def per_iter_ns(rounds, iters, body):
    """Median ns per iteration over `rounds` rounds of `body(iters)`."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        body(iters)
        samples.append((time.perf_counter_ns() - start) / iters)
    return statistics.median(samples)


def greenlet_switch_ns(iters, rounds):
    """One greenlet.switch between two greenlets, one way: the partner
    switches straight back, so a loop turn is two switches."""
    import greenlet

    main = greenlet.getcurrent()

    def partner():
        while True:
            main.switch()

    other = greenlet.greenlet(partner)
    other.switch()  # Start it: it switches straight back.

    def body(n):
        for _ in range(n):
            other.switch()

    return per_iter_ns(rounds, iters, body) / 2


def gevent_sleep0_ns(iters, rounds):
    """One gevent.sleep(0) of the only greenlet: to the hub, which finds
    it the only one ready and switches back (tokio's yield_now)."""
    import gevent

    def body(n):
        for _ in range(n):
            gevent.sleep(0)

    return gevent.spawn(per_iter_ns, rounds, iters, body).get()


def asyncio_sleep0_ns(iters, rounds):
    """One `await asyncio.sleep(0)` of the only task: back to the event
    loop, which runs it again at once."""
    import asyncio

    async def run():
        samples = []
        for _ in range(rounds):
            start = time.perf_counter_ns()
            for _ in range(iters):
                await asyncio.sleep(0)
            samples.append((time.perf_counter_ns() - start) / iters)
        return statistics.median(samples)

    return asyncio.run(run())


# The channel experiments: a ping-pong over two queues of capacity one
# (the Rust side's bounded(1)), one message in flight at a time.


def gevent_queue_round_trip_ns(iters, rounds):
    import gevent
    from gevent.queue import Queue

    to_echo, back = Queue(1), Queue(1)

    def echo():
        while True:
            v = to_echo.get()
            if v is None:
                return
            back.put(v)

    def body(n):
        for i in range(n):
            to_echo.put(i)
            back.get()

    echoer = gevent.spawn(echo)
    ns = gevent.spawn(per_iter_ns, rounds, iters, body).get()
    to_echo.put(None)
    echoer.join()
    return ns


def asyncio_queue_round_trip_ns(iters, rounds):
    import asyncio

    async def run():
        to_echo, back = asyncio.Queue(1), asyncio.Queue(1)

        async def echo():
            while True:
                v = await to_echo.get()
                if v is None:
                    return
                await back.put(v)

        echoer = asyncio.create_task(echo())
        samples = []
        for _ in range(rounds):
            start = time.perf_counter_ns()
            for i in range(iters):
                await to_echo.put(i)
                await back.get()
            samples.append((time.perf_counter_ns() - start) / iters)
        await to_echo.put(None)
        await echoer
        return statistics.median(samples)

    return asyncio.run(run())


def version_of(module):
    """The module's version, or `missing` when it cannot be imported."""
    try:
        return __import__(module).__version__
    except ImportError:
        return "missing"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment",
                        choices=["versions", "spawn", "switch", "channels"])
    parser.add_argument("--runtime", choices=["gevent", "asyncio"],
                        default="gevent")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--iters", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if min(args.tasks, args.iters, args.rounds) < 1:
        fail("--tasks, --iters and --rounds must be at least 1")
    try:
        run(args)
    except ImportError as e:
        fail(f"{e.name or e} is not installed (pip install gevent)")


def run(args):
    if args.experiment == "versions":
        print(f"python={sys.version.split()[0]}")
        for module in ["gevent", "greenlet"]:
            print(f"{module}={version_of(module)}")
    elif args.experiment == "spawn":
        spawner = {"gevent": gevent_spawner,
                   "asyncio": asyncio_spawner}[args.runtime]()
        ns, bytes_per_task = spawn_report(spawner, args.tasks)
        figure("ns_per_task", ns, "ns")
        if bytes_per_task is not None:
            figure("bytes_per_task", bytes_per_task, "B")
    else:
        # Each experiment runs when its module imports, so that a Python
        # without gevent still measures asyncio.
        experiments = {
            "switch": [
                ("greenlet_switch_ns", greenlet_switch_ns, "greenlet"),
                ("gevent_sleep0_ns", gevent_sleep0_ns, "gevent"),
                ("asyncio_sleep0_ns", asyncio_sleep0_ns, "asyncio"),
            ],
            "channels": [
                ("gevent_queue_round_trip_ns", gevent_queue_round_trip_ns,
                 "gevent"),
                ("asyncio_queue_round_trip_ns", asyncio_queue_round_trip_ns,
                 "asyncio"),
            ],
        }[args.experiment]
        for name, measure, module in experiments:
            if module == "asyncio" or version_of(module) != "missing":
                figure(name, measure(args.iters, args.rounds), "ns")


if __name__ == "__main__":
    main()

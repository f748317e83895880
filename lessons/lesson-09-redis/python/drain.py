"""Lesson 09: the drain rates of redis-py, to compare with the lesson's
`measure` against the same server in the same run.

    pip install redis
    REDIS_URL=redis://127.0.0.1:PORT/ python3 lessons/lesson-09-redis/python/drain.py

Prints `name=value unit` lines like `measure`: one BRPOP per message (the
course's consumer loop, without the analysis), RPOP with a count, and the
reliable take and ack one message at a time (BLMOVE + LREM).
"""
import os
import time

import redis

COUNT = int(os.environ.get("DRAIN", "100000"))
QUEUE = "lesson09:python:drain"
PROCESSING = QUEUE + ":processing"


def push(cli):
    cli.delete(QUEUE, PROCESSING)
    messages = ["message %d" % n for n in range(COUNT)]
    pipe = cli.pipeline(transaction=False)
    for start in range(0, COUNT, 1000):
        pipe.lpush(QUEUE, *messages[start:start + 1000])
    pipe.execute()


def brpop(cli):
    drained = 0
    while drained < COUNT and cli.brpop(QUEUE, 0.01) is not None:
        drained += 1
    return drained


def batched(cli):
    drained = 0
    while True:
        batch = cli.rpop(QUEUE, 1000)
        if not batch:
            return drained
        drained += len(batch)


def reliable_one(cli):
    drained = 0
    while drained < COUNT:
        message = cli.blmove(QUEUE, PROCESSING, 0.01, "RIGHT", "LEFT")
        if message is None:
            return drained
        cli.lrem(PROCESSING, 1, message)
        drained += 1
    return drained


def main():
    cli = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/"))
    for name, drain in [
        ("drain_msgs_per_sec_brpop_redis_py", brpop),
        ("drain_msgs_per_sec_batched_redis_py", batched),
        ("drain_msgs_per_sec_reliable_one_redis_py", reliable_one),
    ]:
        push(cli)
        start = time.perf_counter()
        drained = drain(cli)
        assert drained == COUNT, (name, drained)
        print("%s=%.0f msg/s" % (name, drained / (time.perf_counter() - start)))


if __name__ == "__main__":
    main()

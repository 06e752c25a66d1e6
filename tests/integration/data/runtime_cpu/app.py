# A CPU-bound handler: spins until it has used `cpu_s` seconds of CPU (or
# `iterations` loop turns), and says how long that took on the wall clock.
import time


def spin(event, context):
    cpu0, wall0 = time.process_time(), time.monotonic()
    n = 0
    if "iterations" in event:
        for _ in range(event["iterations"]):
            n += 1
    else:
        while time.process_time() - cpu0 < event.get("cpu_s", 0.15):
            for _ in range(1000):
                n += 1
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return {"cpu_s": cpu, "wall_s": wall, "util": cpu / wall, "turns": n,
            "memory": context.memory_limit_in_mb}

# A CPU-bound handler for `vpcsim tune` (examples/power-tuning.json): a
# fixed number of Python loop turns, so its duration is its CPU time over
# the CPU share its memory size buys (1,769 MB: one vCPU).
def handler(event, context):
    n = 0
    for _ in range(event.get("turns", 1000000)):
        n += 1
    return {"turns": n, "memory_mb": context.memory_limit_in_mb}

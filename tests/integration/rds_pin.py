# Run inside a function (python3-psycopg2): the sessions t_rds_proxy.sh
# checks through the proxy. argv: HOST MODE [SECONDS]
#   leak   A sets search_path; B (at once) and C (after A left) must not see it
#   pin    one session per pinning condition, all held SECONDS, then closed;
#          two sessions that must not pin held alongside
#   show   print search_path and whether this session's backend is reused
import sys, time
import psycopg2

host, mode = sys.argv[1], sys.argv[2]
hold = float(sys.argv[3]) if len(sys.argv) > 3 else 0


def conn():
    c = psycopg2.connect(host=host)
    c.autocommit = True
    return c


def one(c, sql):
    cur = c.cursor()
    cur.execute(sql)
    return cur.fetchone()[0] if cur.description else None


CONDITIONS = [
    "SET search_path TO public",
    "SELECT set_config('work_mem', '8MB', false)",
    "CREATE TEMP TABLE scratch (x int)",
    "SELECT pg_advisory_lock(42)",
    "LISTEN jobs",
    "PREPARE two AS SELECT 2",
    "DECLARE cur CURSOR WITH HOLD FOR SELECT 1",
    "SELECT nextval('pin_seq')",
    "DISCARD PLANS",
    "SELECT 1 /* " + "x" * 17000 + " */",
]

if mode == "leak":
    a = conn()
    one(a, "SET search_path TO leaked")
    print("A", one(a, "SHOW search_path"))
    b = conn()
    print("B", one(b, "SHOW search_path"))
    a.close()
    c = conn()
    print("C", one(c, "SHOW search_path"))
elif mode == "pin":
    setup = conn()
    one(setup, "CREATE SEQUENCE IF NOT EXISTS pin_seq")
    setup.close()
    held = []
    for sql in CONDITIONS:
        c = conn()
        one(c, sql)
        held.append(c)
    free = [conn(), conn()]
    one(free[0], "SELECT 1")
    cur = free[1].cursor()
    cur.execute("BEGIN; SELECT 1; COMMIT")
    print("held", len(held), flush=True)
    time.sleep(hold)
    for c in held + free:
        c.close()
    print("closed", flush=True)
elif mode == "show":
    c = conn()
    print("search_path", one(c, "SHOW search_path"))
    time.sleep(hold)

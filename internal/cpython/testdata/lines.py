# Prints, for every code object compiled from a few sources, its line
# table and the line CPython itself gives each instruction, as JSON: the
# truth that cpython's line-table decoders are tested against.
import dis, json, sys, threading, os

def truth(co):
    n = len(co.co_code)
    lines = {}
    if hasattr(co, "co_lines"):
        for start, end, line in co.co_lines():
            for off in range(start, end, 2):
                lines[off] = line or 0
    else:
        starts = list(dis.findlinestarts(co))
        cur = co.co_firstlineno
        j = 0
        for off in range(0, n, 2):
            while j < len(starts) and starts[j][0] <= off:
                cur = starts[j][1]
                j += 1
            lines[off] = cur
    tab = co.co_linetable if sys.version_info >= (3, 10) else co.co_lnotab
    return {"name": co.co_name, "first": co.co_firstlineno, "table": tab.hex(),
            "lines": [[off, lines.get(off, 0)] for off in range(0, n, 2)]}

def walk(co, out):
    out.append(truth(co))
    for c in co.co_consts:
        if hasattr(c, "co_code"):
            walk(c, out)

src = '''
def far():
    x = 1
''' + "\n" * 300 + '''    return x
def loops(n):
    t = 0
    for i in range(n):
        if i % 3 == 0:
            t += i
        elif i % 5:
            t -= 1
        else:
            while t > 0:
                t //= 2
    return t
''' + "def big():\n" + "".join("    v%d = %d\n" % (i, i) for i in range(200)) + "    return v1\n"
out = []
walk(compile(src, "synthetic.py", "exec"), out)
for mod in (threading, os):
    path = mod.__file__
    with open(path) as f:
        walk(compile(f.read(), path, "exec"), out)
json.dump(out, sys.stdout)

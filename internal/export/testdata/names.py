# Function and file names that must be escaped in every output format:
# markup, quotes, ampersands, semicolons, backslashes and non-ASCII.
NAMES = [
    "<img src=x onerror=alert(1)>",
    'say "hi" & \'bye\'',
    "größe_ñ_日本",
    "semi;colon\\back",
]


def make(name, filename):
    src = "def f(n):\n    s = 0\n    for i in range(n):\n        s += i * i\n    return s\n"
    ns = {}
    exec(compile(src, filename, "exec"), ns)
    f = ns["f"]
    f.__code__ = f.__code__.replace(co_name=name)
    return f


def main():
    fs = [make(n, "we\"ird & <dir>/mod_ü.py") for n in NAMES]
    for _ in range(30):
        for f in fs:
            f(20000)


main()

"""Counter in pure Python: what examples/goext/counter does, for check.py."""
import threading


class Counter:
    def __init__(self, name, step):
        if step <= 0:
            raise ValueError("step must be positive, got %d" % step)
        self.name, self.step = name, step
        self._count = 0
        self._lock = threading.Lock()

    def tick(self, n):
        with self._lock:
            self._count += n * self.step
            return self._count

    def count(self):
        with self._lock:
            return self._count

    def merged(self, other):
        c = Counter(self.name + "+" + other.name, self.step)
        c._count = self.count() + other.count()
        return c

    def nop(self):
        pass

    def __repr__(self):
        return "Counter(name=%r, step=%r)" % (self.name, self.step)

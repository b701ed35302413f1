# Imports run module code through exec, which makes a cycle in the call
# graph (exec -> <module> -> import machinery -> exec): no function is
# without callers, which is where speedscope's pstats import finds nothing.
import json
import decimal
import fractions
import statistics


def work():
    data = [str(fractions.Fraction(i, 7)) for i in range(3000)]
    json.dumps(data)
    return statistics.mean(decimal.Decimal(i) / 3 for i in range(3000))


work()

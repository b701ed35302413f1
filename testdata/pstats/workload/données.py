# -*- coding: utf-8 -*-
"""Executed by corpus.py under this non-ASCII file name; defines café."""


def _brew(n):
    total = 0
    for i in range(n):
        total += len(str(i))
    return total

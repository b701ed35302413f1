# hpp's cProfile runner. It runs a script or module as `python -m cProfile -o OUT` does,
# but keeps the program's exit status and writes the profile even when the program
# raises, is interrupted, or is sent SIGTERM without a handler of its own. Only the
# process that started profiling writes it: a forked child that finishes does not
# overwrite its parent's profile. Works on Python 2.7 and 3.x. argv: OUT MODE TARGET ARGS...
import sys


class _Terminated(BaseException):
    """Raised by the runner's SIGTERM handler; a BaseException so that the
    program's `except Exception` does not swallow it."""


def _hpp_run():
    import os
    import signal
    import cProfile
    out, mode, target = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[3:]
    profiler_pid = os.getpid()

    def on_sigterm(signum, frame):
        if os.getpid() != profiler_pid:
            # A forked child: die of SIGTERM, as it would without hpp.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise _Terminated()

    # A program that installs its own handler replaces this one; an
    # ignored SIGTERM stays ignored.
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, on_sigterm)

    if mode == "module":
        import runpy
        sys.argv[:] = args
        sys.path[0] = os.getcwd()
        code = "run_module(modname, run_name='__main__', alter_sys=True)"
        globs = {"run_module": runpy.run_module, "modname": target}
    else:
        sys.argv[:] = args
        sys.path[0] = os.path.dirname(os.path.abspath(target))
        with open(target, "rb") as f:
            src = f.read()
        code = compile(src, target, "exec")
        globs = {"__file__": target, "__name__": "__main__", "__package__": None,
                 "__doc__": None, "__builtins__": __builtins__}
        if sys.version_info[0] >= 3:
            globs["__cached__"] = None
    prof = cProfile.Profile()
    status = 0
    terminated = False
    try:
        try:
            prof.runctx(code, globs, None)
        except SystemExit:
            raise
        except KeyboardInterrupt:
            raise
        except _Terminated:
            terminated = True
        except BaseException:
            import traceback
            t, v, tb = sys.exc_info()
            # Drop this runner's and cProfile's frames from the traceback.
            while tb is not None and (tb.tb_frame.f_code.co_filename in ("<string>", cProfile.__file__)
                                      or tb.tb_frame.f_code.co_filename.endswith(("cProfile.py", "cProfile.pyc"))):
                tb = tb.tb_next
            traceback.print_exception(t, v, tb)
            status = 1
    finally:
        if os.getpid() == profiler_pid:
            prof.dump_stats(out)
    if terminated:
        # End as SIGTERM would have ended the program, so that the exit
        # status says so.
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    return status


sys.exit(_hpp_run())

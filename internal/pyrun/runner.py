# hpp's cProfile runner. It runs a script or module as `python -m cProfile -o OUT` does,
# but keeps the program's exit status and writes the profile even when the program
# raises or is interrupted. Works on Python 2.7 and 3.x. argv: OUT MODE TARGET ARGS...
import sys


def _hpp_run():
    import os
    import cProfile
    out, mode, target = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[3:]
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
    try:
        try:
            prof.runctx(code, globs, None)
        except SystemExit:
            raise
        except KeyboardInterrupt:
            raise
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
        prof.dump_stats(out)
    return status


sys.exit(_hpp_run())

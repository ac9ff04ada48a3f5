"""``clincalc-site serve``: build, serve on 127.0.0.1, rebuild and reload on every save.

Stage: commands/ (docs/architecture.md).
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading

from .options import content_option, strict_option


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("serve", help="live preview: rebuild and reload on save")
    content_option(parser)
    strict_option(parser)
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any)")
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clincalc_site.build.config import BuildConfig, today_from_environment
    from clincalc_site.build.manifest import cache_dir_for
    from clincalc_site.content.history import read_git_history
    from clincalc_site.preview.server import running_preview

    history_cache = cache_dir_for(args.content.parent / "_site", None)
    found = read_git_history(args.content, history_cache)
    # The same configuration as `build`, less the search step (it would slow every reload).
    config = BuildConfig(
        content_dir=args.content,
        today=today_from_environment(),
        strict=args.strict,
        # what each pair of versions says, kept where `build` keeps it (beside _site/)
        history=tuple(sorted(found.changes.items())),
        versions=tuple(sorted(found.versions.items())),
        withdrawals=tuple(sorted(found.withdrawals.items())),
    )
    try:
        log = functools.partial(print, file=sys.stderr, flush=True)
        with running_preview(config, args.host, args.port, log) as (preview, server):
            host, port = server.server_address[:2]
            state = "ok" if preview.state.ok else "with errors (see the browser overlay)"
            print(
                f"serving http://{host!s}:{port}/ — first build {state}; Ctrl+C to stop",
                file=sys.stderr,
            )
            threading.Event().wait()
    except OSError as exc:
        print(
            f"clincalc-site serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        return 0
    return 0

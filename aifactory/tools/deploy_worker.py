"""One stack's deployment in its own process: ``python -m aifactory.tools.deploy_worker JOB.json``.

Prints the :class:`~aifactory.tools.deploy.StackResult` as JSON on its last line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aifactory.tools.deploy import StackJob, StackResult, automation_run


def main(argv: list[str]) -> int:
    job = StackJob.from_json(Path(argv[1]).read_text(encoding="utf-8"))
    try:
        result = automation_run(job)
    except Exception as error:  # noqa: BLE001 - reported to the orchestrator, never a traceback
        result = StackResult(job.stack, "failed", job.operation, message=f"{type(error).__name__}: {error}", log_path=job.log_path)
    print(result.to_json())
    return 0 if result.status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

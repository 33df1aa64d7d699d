"""What a finished job leaves behind: test results and artifacts, built lazily and cached.

Each project has a stable catalogue of tests (so the same test names recur run after run, as
insights and flaky-test views expect); a job's results, run times and failures are derived from
the job's id, so they are deterministic without being stored up front.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from circletui.simulator import content
from circletui.simulator.model import Job, Project
from circletui.simulator.rng import derived_rng

TEST_RESULT_STATUSES = frozenset({"success", "failed", "timedout", "infrastructure_fail"})


@dataclass(frozen=True)
class SuiteCase:
    classname: str
    name: str
    file: str


@dataclass(frozen=True)
class CaseResult:
    case: SuiteCase
    index: int  # the parallel container that ran it
    result: str  # "success", "failure" or "skipped"
    run_time: float  # seconds
    # Live CircleCI sends a string, "" for a passing test, though the spec allows null
    # (CircleCI-Public/mcp-server-circleci `src/clients/schemas.ts` requires a string).
    message: str
    source: str


@dataclass(frozen=True)
class Artifact:
    path: str
    node_index: int
    url: str


def _case(language: str, project: Project, module: str, name: str, suite: str) -> SuiteCase:
    if language == "python":
        folder = "integration" if suite == "integration" else "unit"
        cls = "Test" + "".join(part.title() for part in module.split("_"))
        return SuiteCase(
            f"tests.{folder}.test_{module}.{cls}", name, f"tests/{folder}/test_{module}.py"
        )
    if language == "typescript":
        return SuiteCase(module, name, f"src/components/{module}.test.tsx")
    if language == "kotlin":
        package = module.lower()
        return SuiteCase(
            f"com.acme.{package}.{module}Test",
            name,
            f"app/src/test/java/com/acme/{package}/{module}Test.kt",
        )
    repo = (
        "github.com/nimbus-hq/platform"
        if project.spec.vcs == "circleci"
        else ("github.com/acme-labs/infra")
    )
    title = "".join(part.title() for part in module.split("_"))
    return SuiteCase(f"{repo}/test", f"Test{title}/{name}", f"test/{module}_test.go")


@lru_cache(maxsize=256)
def catalogue(project: Project, suite: str) -> tuple[SuiteCase, ...]:
    """The stable set of tests a job called `suite` runs in `project`."""
    language = project.spec.language
    rng = derived_rng("catalogue", project.slug, suite)
    cases: list[SuiteCase] = []
    for module in content.TEST_MODULES[language]:
        names = list(content.TEST_NAMES[language])
        rng.shuffle(names)
        for name in names[: rng.randint(3, len(names))]:
            cases.append(_case(language, project, module, name, suite))
    return tuple(cases)


@lru_cache(maxsize=2048)
def _results(job: Job, status: str) -> tuple[CaseResult, ...]:
    # Keyed on the status too, because a job's results only exist once it has finished.
    spec = job.spec
    project = job.project
    suite = "integration" if "integration" in spec.name else spec.name
    cases = catalogue(project, suite)
    if spec.name.startswith("smoke"):
        cases = cases[:8]
    rng = derived_rng("results", job.id)
    failing: set[int] = set()
    if status == "failed":
        candidates = [i for i in range(len(cases)) if i % spec.parallelism == job.failing_index]
        failing = set(rng.sample(candidates, k=min(len(candidates), rng.randint(1, 3))))
    messages = content.FAILURE_MESSAGES[project.spec.language]
    results = []
    for i, case in enumerate(cases):
        run_time = round(rng.lognormvariate(-1.2, 1.1), 3)
        if i in failing:
            result, message = "failure", rng.choice(messages)
        elif derived_rng("skip", project.slug, case.name, case.classname).random() < 0.03:
            result, message = "skipped", ""
        else:
            result, message = "success", ""
        results.append(
            CaseResult(
                case, i % spec.parallelism, result, run_time, message, project.spec.test_source
            )
        )
    return tuple(results)


def job_test_results(job: Job) -> list[CaseResult]:
    """The job's stored test results: none until a test job has finished."""
    if job.spec.kind != "tests" or job.status not in TEST_RESULT_STATUSES:
        return []
    return list(_results(job, job.status))


def index_test_results(job: Job, index: int) -> list[CaseResult]:
    """The results one parallel container produces (used for its log), even while running."""
    if job.spec.kind != "tests":
        return []
    status = "failed" if job.outcome == "failed" else "success"
    return [r for r in _results(job, status) if r.index == index]


def artifacts(job: Job) -> list[Artifact]:
    """The job's artifacts, available once it has finished (successfully or not).

    Every kind of build job stores at least one, so the job screen's artifacts tab always has
    something to show in the demo.
    """
    if job.number is None or job.status not in TEST_RESULT_STATUSES:
        return []
    project = job.project
    host = "bb" if project.spec.vcs == "bb" else "gh"
    base = f"https://{job.number}-{project.repo_id}-{host}.circle-artifacts.com"
    paths: list[tuple[int, str]] = []
    spec = job.spec
    rng = derived_rng("artifacts", job.id)
    if spec.kind == "tests":
        for index in range(spec.parallelism):
            suffix = f"-{index}" if spec.parallelism > 1 else ""
            paths.append((index, f"test-results/junit{suffix}.xml"))
            if spec.name.startswith("e2e") or spec.name.startswith("ui-tests"):
                paths.append((index, "playwright-report/index.html"))
                for _ in range(10):
                    paths.append((index, f"playwright-report/data/{rng.getrandbits(160):040x}.png"))
    elif spec.kind == "coverage":
        paths.append((0, "coverage/html/index.html"))
        for module in content.TEST_MODULES[project.spec.language]:
            for part in ("models", "views", "services"):
                paths.append((0, f"coverage/html/{module}_{part}_py.html"))
    elif spec.kind == "build":
        if spec.name == "build-image":
            paths += [(0, "image-digest.txt"), (0, "sbom.spdx.json")]
        else:
            paths.append((0, f"dist/{project.name}-{spec.name.removeprefix('build-')}.tar.gz"))
            paths.append((0, "dist/SHA256SUMS"))
    elif spec.kind == "lint":
        paths.append((0, "reports/lint.json"))
    elif spec.kind == "checkout":
        paths.append((0, "workspace/MANIFEST.txt"))
    elif spec.kind == "deploy":
        paths += [(0, "deploy/release-notes.md"), (0, f"deploy/{spec.name}.log")]
    else:  # generic jobs (install, sign, notify, plan, benchmarks) keep their log at least
        paths.append((0, f"logs/{spec.name}.log"))
        if "bench" in spec.name:
            paths.append((0, "bench.json"))
        elif "plan" in spec.name:
            paths.append((0, "tfplan.txt"))
    return [Artifact(path, index, f"{base}/{index}/{path}") for index, path in paths]

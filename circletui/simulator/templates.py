"""Workflow templates (job DAGs) and the `.circleci/config.yml` text they correspond to.

A template is what a project's config declares; the world instantiates it into a concrete
workflow with seeded durations and outcomes. Jobs marked `main_only` carry a branch filter, as
deploy and approval jobs usually do in real configs, so feature-branch workflows stop earlier.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobSpec:
    """One job in a workflow template."""

    name: str
    requires: tuple[str, ...] = ()
    type: str = "build"  # "build" or "approval"
    # What the job does; drives its steps, log output, test results and artifacts.
    kind: str = "generic"
    parallelism: int = 1
    executor: str = "docker"
    resource_class: str = "medium"
    duration: tuple[float, float] = (30.0, 90.0)
    fail_rate: float = 0.02
    image: str = "cimg/base:2025.01"
    contexts: tuple[str, ...] = ()
    main_only: bool = False
    service: str | None = None  # a background service container, e.g. a database
    command: str = ""


@dataclass(frozen=True)
class WorkflowTemplate:
    name: str
    jobs: tuple[JobSpec, ...]

    def jobs_for(self, *, on_default_branch: bool) -> list[JobSpec]:
        """The jobs this workflow runs, after branch filters (cascading to dependents)."""
        kept: list[JobSpec] = []
        names: set[str] = set()
        for spec in self.jobs:
            if spec.main_only and not on_default_branch:
                continue
            if any(req not in names for req in spec.requires):
                continue
            kept.append(spec)
            names.add(spec.name)
        return kept


def _build_and_test(image: str, runner: str) -> WorkflowTemplate:
    return WorkflowTemplate(
        "build-and-test",
        (
            JobSpec(
                "checkout",
                kind="checkout",
                resource_class="small",
                duration=(8, 20),
                fail_rate=0.002,
                image=image,
            ),
            JobSpec(
                "lint",
                ("checkout",),
                kind="lint",
                duration=(30, 80),
                fail_rate=0.05,
                image=image,
                command=f"{runner} lint",
            ),
            JobSpec(
                "unit-tests",
                ("checkout",),
                kind="tests",
                parallelism=4,
                resource_class="large",
                duration=(90, 200),
                fail_rate=0.10,
                image=image,
                command=f"{runner} test --split",
            ),
            JobSpec(
                "integration-tests",
                ("checkout",),
                kind="tests",
                resource_class="large",
                duration=(120, 260),
                fail_rate=0.08,
                image=image,
                service="cimg/postgres:16.2",
                command=f"{runner} test:integration",
            ),
            JobSpec(
                "build-image",
                ("lint", "unit-tests", "integration-tests"),
                kind="build",
                executor="machine",
                resource_class="large",
                duration=(60, 140),
                fail_rate=0.02,
                image="ubuntu-2204:2024.11.1",
                command="docker build -t acme/$CIRCLE_PROJECT_REPONAME:$CIRCLE_SHA1 .",
            ),
            JobSpec("hold-for-deploy", ("build-image",), type="approval", main_only=True),
            JobSpec(
                "deploy-staging",
                ("hold-for-deploy",),
                kind="deploy",
                resource_class="small",
                duration=(40, 90),
                fail_rate=0.02,
                contexts=("aws-staging",),
                main_only=True,
                image="cimg/aws:2024.03",
                command="./scripts/deploy.sh staging",
            ),
            JobSpec(
                "smoke-tests",
                ("deploy-staging",),
                kind="tests",
                duration=(30, 70),
                fail_rate=0.03,
                main_only=True,
                image=image,
                command="./scripts/smoke.sh https://staging.acme.dev",
            ),
        ),
    )


def _nightly() -> WorkflowTemplate:
    image = "cimg/python:3.12.3"
    jobs: list[JobSpec] = [
        JobSpec(
            "checkout",
            kind="checkout",
            resource_class="small",
            duration=(8, 20),
            fail_rate=0.0,
            image=image,
        ),
        JobSpec(
            "install-deps",
            ("checkout",),
            kind="generic",
            duration=(40, 90),
            fail_rate=0.01,
            image=image,
            command="poetry install --no-interaction",
        ),
    ]
    platforms = (
        ("linux-amd64", "docker", "large"),
        ("linux-arm64", "docker", "arm.large"),
        ("macos", "macos", "macos.m1.medium.gen1"),
        ("windows", "windows", "windows.medium"),
    )
    for plat, executor, rc in platforms:
        jobs.append(
            JobSpec(
                f"build-{plat}",
                ("install-deps",),
                kind="build",
                executor=executor,
                resource_class=rc,
                duration=(120, 300),
                fail_rate=0.02,
                image=image,
                command=f"make build PLATFORM={plat}",
            )
        )
    for plat, executor, rc in platforms:
        jobs.append(
            JobSpec(
                f"unit-{plat}",
                (f"build-{plat}",),
                kind="tests",
                executor=executor,
                resource_class=rc,
                parallelism=2,
                duration=(150, 360),
                fail_rate=0.05,
                image=image,
                command="pytest -n auto",
            )
        )
    for browser in ("chrome", "firefox", "safari"):
        jobs.append(
            JobSpec(
                f"e2e-{browser}",
                ("build-linux-amd64",),
                kind="tests",
                resource_class="large",
                parallelism=3,
                duration=(240, 480),
                fail_rate=0.12,
                image="cimg/node:20.11-browsers",
                command=f"npx playwright test --project={browser}",
            )
        )
    for db in ("pg14", "pg15", "pg16", "mysql8"):
        service = {
            "pg14": "cimg/postgres:14.11",
            "pg15": "cimg/postgres:15.6",
            "pg16": "cimg/postgres:16.2",
            "mysql8": "cimg/mysql:8.0",
        }[db]
        jobs.append(
            JobSpec(
                f"db-migrations-{db}",
                ("install-deps",),
                kind="tests",
                duration=(90, 200),
                fail_rate=0.03,
                image=image,
                service=service,
                command="alembic upgrade head && pytest tests/migrations",
            )
        )
    for name in ("security-scan", "license-check", "dependency-audit"):
        jobs.append(
            JobSpec(
                name,
                ("checkout",),
                kind="lint",
                resource_class="small",
                duration=(40, 120),
                fail_rate=0.03,
                image=image,
                command=f"./scripts/{name}.sh",
            )
        )
    jobs.append(
        JobSpec(
            "perf-benchmarks",
            ("build-linux-amd64",),
            kind="generic",
            resource_class="xlarge",
            duration=(300, 540),
            fail_rate=0.03,
            image=image,
            command="pytest benchmarks --benchmark-json=bench.json",
        )
    )
    unit_jobs = tuple(f"unit-{plat}" for plat, _, _ in platforms)
    build_jobs = tuple(f"build-{plat}" for plat, _, _ in platforms)
    jobs.append(
        JobSpec(
            "coverage-report",
            unit_jobs,
            kind="coverage",
            resource_class="small",
            duration=(30, 60),
            fail_rate=0.01,
            image=image,
            command="coverage combine && coverage html",
        )
    )
    jobs.append(
        JobSpec(
            "package-artifacts",
            build_jobs + unit_jobs,
            kind="build",
            duration=(60, 150),
            fail_rate=0.01,
            image=image,
            command="make dist",
        )
    )
    jobs.append(
        JobSpec(
            "publish-nightly",
            (
                "package-artifacts",
                "e2e-chrome",
                "e2e-firefox",
                "e2e-safari",
                "db-migrations-pg14",
                "db-migrations-pg15",
                "db-migrations-pg16",
                "db-migrations-mysql8",
            ),
            kind="deploy",
            resource_class="small",
            duration=(30, 80),
            fail_rate=0.01,
            contexts=("artifact-publishing",),
            image=image,
            command="./scripts/publish.sh nightly",
        )
    )
    jobs.append(
        JobSpec(
            "notify-slack",
            ("publish-nightly",),
            kind="generic",
            resource_class="small",
            duration=(5, 12),
            fail_rate=0.0,
            contexts=("slack-notifications",),
            image=image,
            command="./scripts/notify.sh",
        )
    )
    return WorkflowTemplate("nightly", tuple(jobs))


def _release(image: str, runner: str) -> WorkflowTemplate:
    return WorkflowTemplate(
        "release",
        (
            JobSpec(
                "checkout",
                kind="checkout",
                resource_class="small",
                duration=(8, 20),
                fail_rate=0.0,
                image=image,
            ),
            JobSpec(
                "test",
                ("checkout",),
                kind="tests",
                parallelism=2,
                resource_class="large",
                duration=(90, 200),
                fail_rate=0.04,
                image=image,
                command=f"{runner} test --split",
            ),
            JobSpec(
                "build-release-artifacts",
                ("test",),
                kind="build",
                duration=(90, 180),
                fail_rate=0.02,
                image=image,
                command="make release",
            ),
            JobSpec(
                "sign-binaries",
                ("build-release-artifacts",),
                kind="generic",
                resource_class="small",
                duration=(20, 50),
                fail_rate=0.01,
                contexts=("release-signing",),
                image=image,
                command="./scripts/sign.sh dist/*",
            ),
            JobSpec("approve-release", ("sign-binaries",), type="approval"),
            JobSpec(
                "publish-github-release",
                ("approve-release",),
                kind="deploy",
                resource_class="small",
                duration=(20, 60),
                fail_rate=0.01,
                contexts=("github-release",),
                image="cimg/base:2025.01",
                command="ghr -t $GITHUB_TOKEN $CIRCLE_TAG dist/",
            ),
            JobSpec(
                "publish-docker-image",
                ("approve-release",),
                kind="deploy",
                executor="machine",
                resource_class="medium",
                duration=(60, 140),
                fail_rate=0.02,
                contexts=("docker-hub",),
                image="ubuntu-2204:2024.11.1",
                command="docker push acme/api:$CIRCLE_TAG",
            ),
            JobSpec(
                "announce-release",
                ("publish-github-release", "publish-docker-image"),
                kind="generic",
                resource_class="small",
                duration=(5, 15),
                fail_rate=0.0,
                contexts=("slack-notifications",),
                image="cimg/base:2025.01",
                command="./scripts/announce.sh",
            ),
        ),
    )


def _docs() -> WorkflowTemplate:
    image = "cimg/node:20.11"
    return WorkflowTemplate(
        "docs",
        (
            JobSpec(
                "build-docs",
                kind="build",
                duration=(40, 90),
                fail_rate=0.02,
                image=image,
                command="npm run docs:build",
            ),
            JobSpec(
                "linkcheck",
                ("build-docs",),
                kind="lint",
                resource_class="small",
                duration=(20, 60),
                fail_rate=0.06,
                image=image,
                command="npm run docs:linkcheck",
            ),
            JobSpec(
                "deploy-docs",
                ("build-docs", "linkcheck"),
                kind="deploy",
                resource_class="small",
                duration=(20, 45),
                fail_rate=0.01,
                contexts=("docs-hosting",),
                main_only=True,
                image=image,
                command="npm run docs:deploy",
            ),
        ),
    )


def _mobile() -> WorkflowTemplate:
    image = "cimg/android:2024.11.1"
    return WorkflowTemplate(
        "build-and-test",
        (
            JobSpec(
                "lint",
                kind="lint",
                duration=(40, 90),
                fail_rate=0.04,
                image=image,
                command="./gradlew ktlintCheck detekt",
            ),
            JobSpec(
                "unit-tests",
                kind="tests",
                parallelism=2,
                resource_class="large",
                duration=(120, 240),
                fail_rate=0.08,
                image=image,
                command="./gradlew testDebugUnitTest",
            ),
            JobSpec(
                "build-android",
                ("lint", "unit-tests"),
                kind="build",
                resource_class="large",
                duration=(180, 360),
                fail_rate=0.02,
                image=image,
                command="./gradlew assembleRelease",
            ),
            JobSpec(
                "build-ios",
                ("lint", "unit-tests"),
                kind="build",
                executor="macos",
                resource_class="macos.m1.medium.gen1",
                duration=(240, 480),
                fail_rate=0.03,
                image="xcode:16.1.0",
                command="bundle exec fastlane ios build",
            ),
            JobSpec(
                "ui-tests-android",
                ("build-android",),
                kind="tests",
                parallelism=3,
                executor="machine",
                resource_class="large",
                duration=(240, 420),
                fail_rate=0.10,
                image="android:2024.11.1",
                command="./gradlew connectedDebugAndroidTest",
            ),
            JobSpec(
                "ui-tests-ios",
                ("build-ios",),
                kind="tests",
                executor="macos",
                resource_class="macos.m1.medium.gen1",
                duration=(240, 480),
                fail_rate=0.08,
                image="xcode:16.1.0",
                command="bundle exec fastlane ios ui_tests",
            ),
            JobSpec(
                "upload-testflight",
                ("ui-tests-ios",),
                kind="deploy",
                executor="macos",
                resource_class="macos.m1.medium.gen1",
                duration=(90, 180),
                fail_rate=0.02,
                contexts=("app-store-connect",),
                main_only=True,
                image="xcode:16.1.0",
                command="bundle exec fastlane ios beta",
            ),
        ),
    )


def _plan_and_apply() -> WorkflowTemplate:
    image = "hashicorp/terraform:1.9"
    return WorkflowTemplate(
        "plan-and-apply",
        (
            JobSpec(
                "terraform-fmt",
                kind="lint",
                resource_class="small",
                duration=(10, 25),
                fail_rate=0.03,
                image=image,
                command="terraform fmt -check -recursive",
            ),
            JobSpec(
                "terraform-validate",
                kind="lint",
                resource_class="small",
                duration=(20, 45),
                fail_rate=0.04,
                image=image,
                command="terraform init -backend=false && terraform validate",
            ),
            JobSpec(
                "tflint",
                kind="lint",
                resource_class="small",
                duration=(15, 40),
                fail_rate=0.03,
                image="ghcr.io/terraform-linters/tflint:v0.53.0",
                command="tflint --recursive",
            ),
            JobSpec(
                "terratest",
                kind="tests",
                duration=(180, 360),
                fail_rate=0.06,
                image="cimg/go:1.23",
                contexts=("aws-sandbox",),
                command="go test -v -timeout 30m ./test/...",
            ),
            JobSpec(
                "terraform-plan",
                ("terraform-fmt", "terraform-validate", "tflint"),
                kind="generic",
                duration=(60, 150),
                fail_rate=0.02,
                image=image,
                contexts=("aws-production",),
                command="terraform plan -out=tfplan",
            ),
            JobSpec(
                "approve-apply", ("terraform-plan", "terratest"), type="approval", main_only=True
            ),
            JobSpec(
                "terraform-apply",
                ("approve-apply",),
                kind="deploy",
                duration=(90, 240),
                fail_rate=0.02,
                image=image,
                contexts=("aws-production",),
                main_only=True,
                command="terraform apply tfplan",
            ),
        ),
    )


@dataclass(frozen=True)
class ProjectSpec:
    """Static description of a simulated project and its config."""

    vcs: str  # short vcs slug: gh, bb, circleci
    org: str  # org name (or org id for circleci)
    repo: str  # repo name (or project id for circleci)
    name: str
    language: str
    test_source: str
    default_branch: str
    # Templates by role: "push" always, "tag" for tags, "scheduled" for the schedule, "extra"
    # for a second workflow on pushes.
    templates: dict[str, WorkflowTemplate]
    orb: str


def project_specs(nimbus_org_id: str, nimbus_project_id: str) -> list[ProjectSpec]:
    py, ts = "cimg/python:3.12.3", "cimg/node:20.11"
    return [
        ProjectSpec(
            "gh",
            "acme",
            "api",
            "api",
            "python",
            "pytest",
            "main",
            {
                "push": _build_and_test(py, "make"),
                "tag": _release(py, "make"),
                "scheduled": _nightly(),
            },
            "circleci/python@2.1.1",
        ),
        ProjectSpec(
            "gh",
            "acme",
            "web",
            "web",
            "typescript",
            "jest",
            "main",
            {"push": _build_and_test(ts, "npm run"), "extra": _docs()},
            "circleci/node@5.2.0",
        ),
        ProjectSpec(
            "gh",
            "acme",
            "mobile-app",
            "mobile-app",
            "kotlin",
            "junit",
            "main",
            {"push": _mobile()},
            "circleci/android@2.5.0",
        ),
        ProjectSpec(
            "bb",
            "acme-labs",
            "infra",
            "infra",
            "go",
            "go-test",
            "main",
            {"push": _plan_and_apply()},
            "circleci/terraform@3.2.1",
        ),
        ProjectSpec(
            "circleci",
            nimbus_org_id,
            nimbus_project_id,
            "platform",
            "go",
            "go-test",
            "main",
            {"push": _build_and_test("cimg/go:1.23", "make")},
            "circleci/go@1.11.0",
        ),
    ]


def render_config(
    spec: ProjectSpec, templates: list[WorkflowTemplate], *, broken: bool = False
) -> tuple[str, str]:
    """The (source, compiled) config text for a pipeline running `templates`.

    `broken` reproduces the typo behind the errored-config pipeline; its compiled form is
    empty, as the API returns when compilation fails.
    """
    all_jobs: dict[str, JobSpec] = {}
    for template in templates:
        for job in template.jobs:
            if job.type == "build":
                all_jobs.setdefault(job.name, job)
    orb_alias = spec.orb.split("/")[1].split("@")[0]
    source = ["version: 2.1", "", "orbs:", f"  {orb_alias}: {spec.orb}", "", "jobs:"]
    compiled = [f"# Orb '{spec.orb}' resolved to '{spec.orb}'", "version: 2", "jobs:"]
    for job in all_jobs.values():
        body = _job_yaml(job, broken=broken and job.kind == "tests")
        source.extend(body)
        compiled.extend(body)
    source.append("")
    source.append("workflows:")
    compiled.append("workflows:")
    compiled.append("  version: 2")
    for template in templates:
        lines = _workflow_yaml(template)
        source.extend(lines)
        compiled.extend(lines)
    if broken:
        return "\n".join(source) + "\n", ""
    return "\n".join(source) + "\n", "\n".join(compiled) + "\n"


def _job_yaml(job: JobSpec, *, broken: bool) -> list[str]:
    lines = [f"  {job.name}:"]
    if job.executor in ("machine", "macos"):
        key = "image" if job.executor == "machine" else "xcode"
        value = job.image.split(":")[1] if job.executor == "macos" else job.image
        lines += [f"    {job.executor}:", f"      {key}: {value}"]
    else:
        lines += ["    docker:", f"      - image: {job.image}"]
        if job.service:
            lines.append(f"      - image: {job.service}")
    lines.append(f"    resource_class: {job.resource_class}")
    if job.parallelism > 1:
        key = "paralelism" if broken else "parallelism"
        lines.append(f"    {key}: {job.parallelism}")
    lines += ["    steps:", "      - checkout"]
    if job.command:
        lines += ["      - run:", f"          command: {job.command}"]
    if job.kind == "tests":
        lines += ["      - store_test_results:", "          path: test-results"]
    if job.kind in ("build", "coverage", "tests"):
        lines += ["      - store_artifacts:", "          path: artifacts"]
    return lines


def _workflow_yaml(template: WorkflowTemplate) -> list[str]:
    lines = [f"  {template.name}:", "    jobs:"]
    for job in template.jobs:
        detail: list[str] = []
        if job.type == "approval":
            detail.append("          type: approval")
        if job.requires:
            detail.append("          requires:")
            detail += [f"            - {req}" for req in job.requires]
        if job.contexts:
            detail.append(f"          context: [{', '.join(job.contexts)}]")
        if job.main_only:
            detail += ["          filters:", "            branches:", "              only: main"]
        if detail:
            lines.append(f"      - {job.name}:")
            lines += detail
        else:
            lines.append(f"      - {job.name}")
    return lines

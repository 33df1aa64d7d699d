"""Static, realistic raw material for the simulated world: people, commits, branches, tests.

Kept apart from the logic so that the world generator reads as a recipe. Some strings are
deliberately awkward (non-ASCII, Rich-markup look-alikes, terminal escape codes) because real
commit messages are, and the UI must show them literally.
"""

from __future__ import annotations

# (login, display name, avatar URL or None). The first entry is the token's owner.
USERS: tuple[tuple[str, str, str | None], ...] = (
    ("sam-rivera", "Sam Rivera", "https://avatars.githubusercontent.com/u/5821934?v=4"),
    ("priya-natarajan", "Priya Natarajan", "https://avatars.githubusercontent.com/u/1147201?v=4"),
    ("jonas-weber", "Jonas Weber", "https://avatars.githubusercontent.com/u/3390417?v=4"),
    ("lukasz-nowak", "Łukasz Nowak", "https://avatars.githubusercontent.com/u/7712904?v=4"),
    ("mei-chen", "Mei Chen (陈美)", "https://avatars.githubusercontent.com/u/2268113?v=4"),
    ("amara-okafor", "Amara Okafor", None),
    ("dependabot[bot]", "dependabot[bot]", "https://avatars.githubusercontent.com/in/29110?v=4"),
    ("acme-release-bot", "Acme Release Bot", "https://avatars.githubusercontent.com/u/9000142?v=4"),
)

# Commit (subject, body). Bodies use the trailer style real repositories have.
COMMITS: tuple[tuple[str, str], ...] = (
    (
        "Add retry with jitter to the payments webhook consumer",
        "Webhooks from the PSP arrive in bursts after an outage; retrying immediately made\n"
        "things worse.\n\nCo-authored-by: Priya Natarajan <priya@acme.dev>",
    ),
    ("Fix off-by-one in invoice pagination", ""),
    (
        "Bump axios from 1.7.2 to 1.7.4",
        "Bumps [axios](https://github.com/axios/axios) from 1.7.2 to 1.7.4.\n"
        "- [Release notes](https://github.com/axios/axios/releases)\n\n"
        "---\nupdated-dependencies:\n- dependency-name: axios\n"
        "  dependency-type: direct:production\n"
        "...\n\nSigned-off-by: dependabot[bot] <support@github.com>",
    ),
    (
        "Übersetzungen für die Checkout-Seite aktualisieren",
        "Signed-off-by: Łukasz Nowak <lukasz@acme.dev>",
    ),
    ("Refactor order service into smaller modules", "No behaviour change intended."),
    ("Use structured logging in the worker", ""),
    (
        "Render [bold red]not markup[/] literally in build logs \x1b[2J",
        "Some log lines contain text that looks like Rich markup and raw escape codes.\n"
        "They must be shown as-is.",
    ),
    ("✨ Add dark mode toggle to settings", "Closes #412"),
    ("Pin terraform-provider-aws to 5.61", "The 5.62 release broke our IAM policy documents."),
    ("ドキュメントを更新 (update docs for the new CLI flags)", ""),
    ("Speed up unit tests by sharing the database fixture", ""),
    (
        'Revert "Enable HTTP/2 on the internal load balancer"',
        "This reverts commit 4c1f0e2a9b7d.\n\nIt caused intermittent 502s from the ingress.",
    ),
    ("Handle empty carts in the checkout summary", "Fixes ACME-2291"),
    ("Add smoke test for /healthz behind the CDN", ""),
    ("Drop Python 3.10 from the test matrix", ""),
    ("Migrate CI images to cimg/python:3.12", ""),
    ("Make the flaky login test deterministic", "It depended on the wall clock.\n\nRefs #388"),
    ("Cache node_modules per lockfile checksum", ""),
    ("Add Android 15 to the emulator matrix", ""),
    ("Fix crash when the camera permission is revoked", "Reported via Play Console."),
    ("Add VPC endpoints for S3 and DynamoDB", "Saves NAT gateway traffic costs."),
    ("Rotate the staging database credentials", ""),
    (
        "Bump requests from 2.32.2 to 2.32.3",
        "Bumps [requests](https://github.com/psf/requests) from 2.32.2 to 2.32.3.\n\n"
        "Signed-off-by: dependabot[bot] <support@github.com>",
    ),
    ("Add rate limiting to the public search endpoint", ""),
    ("Release 2.3.1", "Changelog:\n- fix: invoice rounding\n- feat: CSV export"),
    ("Improve error message when the config file is missing", ""),
    ("Fix typo in README", ""),
    ("Add feature flag for the new pricing page", "Default off."),
    ("Split integration tests by timing data", ""),
    ("Upgrade React Native to 0.76", "Lots of small API changes, see the migration notes."),
)

FEATURE_BRANCHES: tuple[str, ...] = (
    "feature/checkout-v2",
    "feature/dark-mode",
    "feature/csv-export",
    "feature/search-rate-limit",
    "fix/flaky-login-test",
    "fix/invoice-rounding",
    "fix/camera-permission-crash",
    "chore/bump-node-20",
    "refactor/order-service",
    "release/2.3",
)

DEPENDABOT_BRANCHES: tuple[str, ...] = (
    "dependabot/npm_and_yarn/axios-1.7.4",
    "dependabot/pip/requests-2.32.3",
    "dependabot/github_actions/actions/checkout-4",
)

CONFIG_ERROR_MESSAGE = (
    "ERROR IN CONFIG FILE:\n"
    "[#/jobs/unit-tests] only 1 subschema matches out of 2\n"
    "1. [#/jobs/unit-tests] extraneous key [paralelism] is not permitted\n"
    "|   Permitted keys:\n"
    "|     - description\n"
    "|     - parallelism\n"
    "|     - macos\n"
    "|     - resource_class\n"
    "|     - docker\n"
    "|     - steps\n"
    "|   Passed keys:\n"
    "|     - paralelism\n"
    "|     - docker\n"
    "|     - steps\n"
)

# Test catalogues per language: (file pattern, classname pattern, test names).
TEST_MODULES: dict[str, tuple[str, ...]] = {
    "python": (
        "orders",
        "invoices",
        "refunds",
        "customers",
        "search",
        "auth",
        "webhooks",
        "pricing",
        "exports",
    ),
    "typescript": (
        "CheckoutForm",
        "CartDrawer",
        "PricingTable",
        "SettingsPage",
        "SearchBox",
        "useSession",
        "formatCurrency",
        "ThemeToggle",
    ),
    "kotlin": (
        "CartViewModel",
        "CheckoutRepository",
        "CameraPermission",
        "LoginViewModel",
        "PriceFormatter",
        "OfflineQueue",
    ),
    "go": ("vpc", "iam", "s3_buckets", "rds", "eks_cluster", "dns"),
}

TEST_NAMES: dict[str, tuple[str, ...]] = {
    "python": (
        "test_create_returns_201",
        "test_rejects_negative_amount",
        "test_refund_rounding_half_even",
        "test_pagination_last_page",
        "test_handles_unicode_names",
        "test_idempotency_key_reuse",
        "test_expired_token_is_rejected",
        "test_csv_export_escapes_quotes",
        "test_retry_after_is_honoured",
        "test_list_filters_by_status",
        "test_webhook_signature_mismatch",
        "test_concurrent_updates_conflict",
    ),
    "typescript": (
        "renders without crashing",
        "shows validation errors for a declined card",
        "keeps focus after submit",
        "formats amounts in the user's locale",
        "debounces search input",
        "restores theme from localStorage",
        "matches snapshot",
        "disables submit while loading",
        "announces errors to screen readers",
        "handles an empty cart",
    ),
    "kotlin": (
        "addItem_updatesTotal",
        "removeLastItem_showsEmptyState",
        "revokedPermission_doesNotCrash",
        "offlineCheckout_isQueued",
        "login_withExpiredToken_refreshes",
        "formatsPrice_inEuro",
        "retry_backsOffExponentially",
        "restoresState_afterProcessDeath",
    ),
    "go": (
        "TestModuleApplies",
        "TestPrivateSubnetsHaveNoPublicIP",
        "TestTagsArePropagated",
        "TestEncryptionAtRest",
        "TestOutputsAreStable",
        "TestDestroyLeavesNothing",
    ),
}

FAILURE_MESSAGES: dict[str, tuple[str, ...]] = {
    "python": (
        "AssertionError: assert Decimal('10.01') == Decimal('10.00')\n"
        " +  where Decimal('10.01') = round_half_even(Decimal('10.005'))",
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=5432):"
        " Max retries exceeded",
        "AssertionError: expected status 201, got 500\nassert 500 == 201",
        "TimeoutError: waited 30.0s for the worker to acknowledge the job",
    ),
    "typescript": (
        "Error: expect(received).toHaveTextContent()\n\nExpected element to have text content:"
        "\n  Card declined\nReceived:\n  ",
        "TypeError: Cannot read properties of undefined (reading 'total')\n"
        "    at formatCurrency (src/lib/formatCurrency.ts:14:22)",
        "Error: Snapshot `CartDrawer matches snapshot 1` mismatched",
    ),
    "kotlin": (
        "java.lang.AssertionError: expected:<42.5> but was:<42.0>",
        "kotlinx.coroutines.TimeoutCancellationException: Timed out waiting for 5000 ms",
    ),
    "go": (
        "Error: Received unexpected error: timeout while waiting for state to become"
        " 'available' (last state: 'creating', timeout: 10m0s)",
        'Error: Not equal: expected: "private" actual: "public-read"',
    ),
}

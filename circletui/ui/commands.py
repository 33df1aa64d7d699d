"""The command palette (Ctrl+P): the same actions as the keys, for the screen you are on.

Commands are read from the bindings that are active where the palette was opened, so the
palette can never offer an action the keys would not, and every entry runs the very action
its key runs (through ``App.run_action`` with the binding's own namespace).
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object, str]]:
        commands = []
        seen = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.description or not active.enabled:
                continue
            if binding.action in seen or binding.action == "command_palette":
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            commands.append((binding.description, binding.action, active.node, key))
        return commands

    async def _run(self, action: str, node) -> None:
        await self.app.run_action(action, node)

    async def discover(self) -> Hits:
        for description, action, node, key in self._commands():
            yield DiscoveryHit(description, partial(self._run, action, node), help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, action, node, key in self._commands():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description), partial(self._run, action, node),
                          help=f"key: {key}")

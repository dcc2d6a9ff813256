"""A Python agent module that cannot be imported."""

raise RuntimeError("broken_agent_module fails on import on purpose")

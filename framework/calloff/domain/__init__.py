"""The domain: money, dates, the framework's model and its rules, as pure code.

Nothing here touches SQLite, Jinja or click, so every rule can be tested for any input."""

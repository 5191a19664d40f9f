"""View-models: plain-Python screen state and intents over the services, testable without Flet."""

"""What the tests and the benchmarks share to drive the app from outside: Chromium's settings and free ports
(browser.py), the hostile-input corpus (corpus.py), raw HTTP as an attacker sends it (raw_http.py), a process's peak
memory (memory.py) and the app started as users do (server.py). Plain modules: importing them has none of
tests/conftest.py's side effects."""

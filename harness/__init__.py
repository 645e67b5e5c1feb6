"""What the tests and the benchmarks share to drive the app from outside: Chromium's settings and free ports
(browser.py), the hostile-input corpus (corpus.py), raw HTTP as an attacker sends it (raw_http.py) and a process's
peak memory (memory.py). Plain modules: importing them has none of tests/conftest.py's side effects."""

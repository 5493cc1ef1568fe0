# One-word entry points.
.PHONY: build test format lint conformance bench wheel

build:
	./sharpicorn --version

test:
	./test.sh

format:
	dotnet format sharpicorn.slnx

lint:
	dotnet format sharpicorn.slnx --verify-no-changes

conformance:
	../shared/conformance/run-http-corpus --server $(CURDIR)/sharpicorn

bench:
	bench/suite

# dist/sharpicorn-VERSION-py3-none-manylinux_2_XX_ARCH.whl: the Native AOT server (built by the
# launcher) in a wheel written with the standard library only (wheel/build_wheel.py).
PYTHON ?= /usr/bin/python3
wheel:
	./sharpicorn --version >/dev/null
	$(PYTHON) wheel/build_wheel.py --binary artifacts/bin/sharpicorn --out dist

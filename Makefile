# One-word entry points.
.PHONY: build test format lint conformance bench

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

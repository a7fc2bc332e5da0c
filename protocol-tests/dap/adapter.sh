#!/usr/bin/env bash
# What DebugClient starts for the stdio tests: it runs one executable with no arguments.
exec java -jar "${JAR:?set JAR to kdump-bridge.jar}" dap --stdio

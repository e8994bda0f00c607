// Loaded by mocha before any test file (.mocharc.json "require").
import { quietNodeVersionNotice } from "../scripts/node-version";

// Test processes make SDK clients (mocked, or against local servers): no Node-version notice in the test output.
quietNodeVersionNotice();

// Loaded by mocha before any test file (.mocharc.json "require"): test processes make SDK clients (mocked, or
// against local servers), and the test output carries no Node-version notice.
import "../scripts/node-version";

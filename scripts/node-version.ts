// The AWS SDK for JavaScript v3 prints an 8-line NodeVersionSupportWarning in every process that makes a client on
// Node.js < 22: SDK releases after the first week of January 2027 require Node 22 (aws/aws-sdk-js-v3#7983). This
// project's lockfile pins SDK releases that support Node 20, and its Lambda functions run nodejs24.x, so the local
// tools (lab, bench, redrive) turn the notice off with the switch the SDK documents there, instead of printing it
// on every run. README.md says so under "Set up and test".
const NODE_22 = 22;

/** Sets AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true on Node < 22 unless the user set it. */
export function quietNodeVersionNotice(): void {
    const major = Number(process.versions.node.split(".")[0]);
    if (major < NODE_22) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}

// Imported for its effect by the commands, before any module that makes an SDK client when it loads.
quietNodeVersionNotice();

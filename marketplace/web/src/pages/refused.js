// A page the viewer may not open: the server says why (HTTP 403); the shell still works.
import { startShell } from "../lib/shell.js";

await startShell();
document.body.dataset.pageReady = "true";

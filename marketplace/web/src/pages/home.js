// Dashboard: the shell (wallet widget, messages) on top of the server-rendered market facts.
import { startShell } from "../lib/shell.js";

startShell();

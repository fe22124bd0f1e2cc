// A lab node's process: `kafka-server-start.sh <config>` itself (the same bundle, dist/bin/
// kafka-server-start.mjs, loaded as it is), under a file name of the lab's own. On a machine shared
// with other developers, a `kafka-server-stop.sh` or a `pkill -f kafka-server-start` run elsewhere
// stops every broker of the user that it can recognise by its command line; seen here: the nodes of
// whole runs SIGTERMed or SIGKILLed at once with no fault of the lab's, which made those runs
// inconclusive. Under this name they die only of the lab's own faults.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/paths.js';

await import(pathToFileURL(join(repoRoot, 'dist', 'bin', 'kafka-server-start.mjs')).href);

// The advisor's search on a worker thread (started by src/services/advisor-pool.ts): the input
// arrives structured-cloned, the engine runs as it would on the main thread, the result goes back.
import { advise, type AdvisorInput } from '../estimation/advisor.ts'
import { serveTasks } from './worker-pool.ts'

serveTasks((input: AdvisorInput) => advise(input))

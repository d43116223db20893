import { serveTasks } from '../task-thread.ts';
import { screenTask } from './open-orders-screen.ts';

/** The worker of `open-orders-screen.ts`. */
serveTasks(screenTask);

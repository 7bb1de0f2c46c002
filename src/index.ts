import { loadConfigOrExit } from './config-problems.ts';

const config = loadConfigOrExit(process.env);
void config;

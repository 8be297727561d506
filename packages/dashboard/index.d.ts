/** Absolute path of the built dashboard (vite's dist/, with index.html and assets/). */
export declare function dashboardDir(): string;

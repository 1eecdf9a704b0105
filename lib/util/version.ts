/** The streambench version recorded in results files. */
export const VERSION = '0.1.0';

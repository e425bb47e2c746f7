/** A query photo that cannot be used: the person's input, reported as such. */
export class QueryError extends Error {}

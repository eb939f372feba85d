/** Connections the offline guard refused so far ("host:port"). */
export const refusedConnections: string[];

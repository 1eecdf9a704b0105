/** What the simulated model generates (the timeline) and what goes on the wire (frames): shared by the simulator and its dialects. */

export interface SimToken {
  /** When it is generated, ms after the request arrived. */
  atMs: number;
  text: string;
  reasoning: boolean;
}

/** What the simulated model generates for one request, independent of the wire format. */
export interface SimTimeline {
  model: string;
  tokens: SimToken[];
  inputTokens: number;
  /** Of inputTokens, those the prefix cache served. */
  cachedInputTokens: number;
  /** The request asked for OpenAI's trailing usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
}

export interface SimFrame {
  /** When to write it, ms after the request arrived. */
  atMs: number;
  text: string;
}

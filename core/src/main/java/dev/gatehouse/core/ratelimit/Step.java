package dev.gatehouse.core.ratelimit;

/** One algorithm step's result: the decision and the state to keep (unchanged when nothing was spent). */
public record Step(Decision decision, long[] state) {
}

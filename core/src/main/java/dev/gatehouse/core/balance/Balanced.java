package dev.gatehouse.core.balance;

/** What a balancer needs to know about a target. */
public interface Balanced {

    /** Relative capacity, at least 1. */
    int weight();

    /** Requests in flight to this target right now. */
    int inFlight();
}

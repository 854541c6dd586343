/** Gatehouse policy as plain Java: no network, no Vert.x, no JDBC, no logging framework. */
package dev.gatehouse.core;

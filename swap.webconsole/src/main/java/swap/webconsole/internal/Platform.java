package swap.webconsole.internal;

import java.util.List;

import swap.api.SwapJournal;
import swap.api.SwapManager;
import swap.api.SwappableServices;
import swap.api.UpgradeManager;

/**
 * The services the pages read and the actions call, each {@code null} while absent (the pages then
 * say which bundle provides it). Implemented by the DS component {@link ConsolePlugins}; by tests over
 * the engine outside OSGi.
 */
interface Platform {
    SwapManager manager();

    UpgradeManager upgrades();

    SwapJournal journal();

    SwappableServices services();

    /** The swap health check's result, or {@code null} when none is registered. */
    Health health();

    /** The fleet's state. */
    Fleet fleet();

    /** A health check result: overall status and {status, message} pairs. */
    final class Health {
        final String status;
        final List<String[]> messages;

        Health(String status, List<String[]> messages) {
            this.status = status;
            this.messages = messages;
        }
    }

    /** Fleet state: configured or not, fleet:nodes and fleet:status output, or a note why they are missing. */
    final class Fleet {
        final boolean configured;
        final String nodes;
        final String rollouts;
        final String note;

        Fleet(boolean configured, String nodes, String rollouts, String note) {
            this.configured = configured;
            this.nodes = nodes;
            this.rollouts = rollouts;
            this.note = note;
        }
    }
}

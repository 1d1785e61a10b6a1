package swap.feed.internal;

import java.util.Locale;

import org.osgi.framework.Version;

/** Which newer versions the feed takes: {@code micro} (same major and minor, the default), {@code minor} (same major) or {@code major} (any). */
enum Take {
    MICRO, MINOR, MAJOR;

    /** @return the rule named {@code text}; @throws IllegalArgumentException in one line if none is */
    static Take of(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("take=" + text + " is not a rule: write take=micro (the default), take=minor or take=major");
        }
    }

    /** @return whether {@code candidate} is newer than {@code current} and allowed by this rule */
    boolean allows(Version current, Version candidate) {
        if (candidate.compareTo(current) <= 0) {
            return false;
        }
        return switch (this) {
            case MICRO -> candidate.getMajor() == current.getMajor() && candidate.getMinor() == current.getMinor();
            case MINOR -> candidate.getMajor() == current.getMajor();
            case MAJOR -> true;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}

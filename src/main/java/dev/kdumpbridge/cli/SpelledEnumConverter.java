package dev.kdumpbridge.cli;

import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Accepts an enum constant by its {@code toString()}, the spelling users type and the help
 * shows, ignoring case. picocli's own enum conversion names the constants in its error message,
 * which would show users {@code CACHE_PRIVATE} for {@code cache-private}.
 */
abstract class SpelledEnumConverter<E extends Enum<E>> implements ITypeConverter<E> {

    private final Class<E> type;

    SpelledEnumConverter(Class<E> type) {
        this.type = type;
    }

    @Override
    public E convert(String value) {
        for (E constant : type.getEnumConstants()) {
            if (constant.toString().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        throw new TypeConversionException("'" + value + "' is not one of "
            + Arrays.stream(type.getEnumConstants()).map(E::toString).collect(Collectors.joining(", ")));
    }
}

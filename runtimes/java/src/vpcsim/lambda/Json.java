package vpcsim.lambda;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.reflect.Type;

/**
 * Events in and results out, through Debian's Jackson configured as AWS's
 * Java serializer configures its own (aws-lambda-java-serialization's
 * JacksonFactory): nulls left out of results, unknown properties ignored,
 * lenient input (single quotes, unquoted names, NaN, leading zeros, a
 * single value for a list), empty beans allowed, fields and bean
 * properties by their standard names, no creators detected.
 */
final class Json {
    static final ObjectMapper MAPPER = build();

    private Json() {
    }

    private static ObjectMapper build() {
        ObjectMapper m = JsonMapper.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS,
                        JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS,
                        JsonReadFeature.ALLOW_SINGLE_QUOTES,
                        JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER,
                        JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS,
                        JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
                .enable(MapperFeature.USE_STD_BEAN_NAMING)
                .disable(MapperFeature.AUTO_DETECT_CREATORS, MapperFeature.INFER_PROPERTY_MUTATORS,
                        MapperFeature.USE_GETTERS_AS_SETTERS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS,
                        SerializationFeature.FLUSH_AFTER_WRITE_VALUE,
                        SerializationFeature.CLOSE_CLOSEABLE)
                .enable(DeserializationFeature.ACCEPT_EMPTY_ARRAY_AS_NULL_OBJECT,
                        DeserializationFeature.ACCEPT_EMPTY_STRING_AS_NULL_OBJECT,
                        DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY,
                        DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_AS_NULL,
                        DeserializationFeature.UNWRAP_SINGLE_VALUE_ARRAYS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                        DeserializationFeature.FAIL_ON_IGNORED_PROPERTIES,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                        DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
        m.getFactory().disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
        return m;
    }

    static JavaType type(Type t) {
        return MAPPER.getTypeFactory().constructType(t);
    }
}

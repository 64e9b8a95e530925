// alimqtt/inplace_function.hpp — a std::function replacement that never
// allocates: the callable lives in a fixed buffer inside the object.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace alimqtt {

template <class Signature, std::size_t Capacity = 2 * sizeof(void*)>
class InplaceFunction;

/// A copyable, type-erased callable stored in `Capacity` bytes of inline
/// storage. A callable that does not fit (or is not nothrow-movable) is a
/// compile error, never a heap allocation. Empty when default-constructed.
template <class R, class... Args, std::size_t Capacity>
class InplaceFunction<R(Args...), Capacity> {
public:
    /// An empty function; calling it is a bug (check with operator bool).
    constexpr InplaceFunction() noexcept = default;
    /// An empty function, as from the default constructor.
    constexpr InplaceFunction(std::nullptr_t) noexcept {}

    /// Stores a copy of `f`. Plain function pointers and lambdas with small
    /// captures (a pointer or two) fit the default capacity.
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, InplaceFunction> &&
                 std::is_invocable_r_v<R, std::remove_cvref_t<F>&, Args...>)
    InplaceFunction(F&& f) noexcept {
        using Stored = std::remove_cvref_t<F>;
        static_assert(sizeof(Stored) <= Capacity,
                      "callable too large for this InplaceFunction: raise the Config handler size");
        static_assert(alignof(Stored) <= alignof(std::max_align_t), "over-aligned callable");
        static_assert(std::is_nothrow_move_constructible_v<Stored> && std::is_copy_constructible_v<Stored>,
                      "callable must be copyable and nothrow-movable");
        ::new (static_cast<void*>(storage_)) Stored(std::forward<F>(f));
        invoke_ = [](void* self, Args... args) -> R {
            return (*static_cast<Stored*>(self))(std::forward<Args>(args)...);
        };
        manage_ = [](Op op, void* dst, void* src) noexcept {
            switch (op) {
            case Op::copy: ::new (dst) Stored(*static_cast<const Stored*>(src)); break;
            case Op::move: ::new (dst) Stored(std::move(*static_cast<Stored*>(src))); break;
            case Op::destroy: static_cast<Stored*>(dst)->~Stored(); break;
            }
        };
    }

    /// Copies the stored callable.
    InplaceFunction(const InplaceFunction& o) noexcept { copy_from(o); }
    /// Moves the stored callable.
    InplaceFunction(InplaceFunction&& o) noexcept { move_from(o); }
    /// Replaces the callable with a copy of `o`'s.
    InplaceFunction& operator=(const InplaceFunction& o) noexcept {
        if (this != &o) {
            reset();
            copy_from(o);
        }
        return *this;
    }
    /// Replaces the callable with `o`'s, moved.
    InplaceFunction& operator=(InplaceFunction&& o) noexcept {
        if (this != &o) {
            reset();
            move_from(o);
        }
        return *this;
    }
    ~InplaceFunction() { reset(); }

    /// True when a callable is stored.
    explicit operator bool() const noexcept { return invoke_ != nullptr; }

    /// Calls the stored callable. Precondition: not empty.
    R operator()(Args... args) const { return invoke_(storage_, std::forward<Args>(args)...); }

    /// Destroys the stored callable; the function becomes empty.
    void reset() noexcept {
        if (manage_ != nullptr) manage_(Op::destroy, storage_, nullptr);
        invoke_ = nullptr;
        manage_ = nullptr;
    }

private:
    enum class Op : unsigned char { copy, move, destroy };
    using Invoke = R (*)(void*, Args...);
    using Manage = void (*)(Op, void*, void*) noexcept;

    void copy_from(const InplaceFunction& o) noexcept {
        if (o.manage_ != nullptr) o.manage_(Op::copy, storage_, const_cast<std::byte*>(o.storage_));
        invoke_ = o.invoke_;
        manage_ = o.manage_;
    }
    void move_from(InplaceFunction& o) noexcept {
        if (o.manage_ != nullptr) o.manage_(Op::move, storage_, o.storage_);
        invoke_ = o.invoke_;
        manage_ = o.manage_;
    }

    // Not zeroed: it is only read once a callable was constructed in it, and
    // leaving it alone spares a memset per handler slot in every constructor.
    alignas(std::max_align_t) mutable std::byte storage_[Capacity];
    Invoke invoke_ = nullptr;
    Manage manage_ = nullptr;
};

} // namespace alimqtt
